import Foundation

/// What running one code cell produced.
public struct CellRun {
    /// The cell's index in `Notebook.cells`.
    public var cellIndex: Int
    /// The output lines: everything printed or echoed, then any error's rendered diagnostic.
    public var output: [String]
    public var diagnostics: [Diagnostic]
    public var succeeded: Bool { diagnostics.isEmpty }
}

/// The result of running a notebook's code cells in order.
public struct NotebookRun {
    /// One entry per code cell that ran (cells after a failure are absent when stopping on errors).
    public var cells: [CellRun]

    public var succeeded: Bool { cells.allSatisfy(\.succeeded) }

    /// The first diagnostic of the first failing cell.
    public var firstError: Diagnostic? { cells.lazy.compactMap(\.diagnostics.first).first }
}

/// Runs notebooks: replays the code cells, rewrites their outputs (`--update`) and checks
/// recorded outputs against fresh ones (`--check`).
public struct NotebookRunner {
    public var interpreter: Interpreter
    /// The name diagnostics show for the notebook (usually its file name).
    public var fileName: String
    /// Stop at the first failing cell; otherwise keep going (a failed cell leaves state intact).
    public var stopOnError: Bool
    /// Also pass each cell's output to the interpreter's own sink as it is produced.
    public var forwardOutput: Bool
    public var tolerance: OutputTolerance

    /// A runner using `interpreter` (usually a fresh one, so a notebook replays from scratch).
    public init(interpreter: Interpreter, fileName: String, stopOnError: Bool = false,
                forwardOutput: Bool = false, tolerance: OutputTolerance = OutputTolerance()) {
        self.interpreter = interpreter
        self.fileName = fileName
        self.stopOnError = stopOnError
        self.forwardOutput = forwardOutput
        self.tolerance = tolerance
    }

    /// Runs every code cell in order, capturing each one's output.
    /// - Parameter onCell: called after each cell, e.g. to print progress.
    public func run(_ notebook: Notebook, onCell: ((CellRun) -> Void)? = nil) -> NotebookRun {
        var runs: [CellRun] = []
        let sink = interpreter.output, errorSink = interpreter.errorOutput
        defer { interpreter.output = sink; interpreter.errorOutput = errorSink }
        for (index, cell) in notebook.cells.enumerated() where cell.kind == .code {
            // A cell has one recorded output: what it printed and what it warned, in order (as
            // a failing cell's diagnostic is recorded after its output).
            var captured = ""
            interpreter.output = { [forwardOutput] text in
                captured += text
                if forwardOutput { sink(text) }
            }
            interpreter.errorOutput = { [forwardOutput] text in
                captured += text
                if forwardOutput { errorSink(text) }
            }
            let source = SourceFile(name: fileName, text: cell.code, firstLine: cell.codeLine)
            let result = interpreter.run(source)
            var lines = NotebookRunner.lines(of: captured)
            if !result.succeeded {
                let rendered = result.errorText
                lines += NotebookRunner.lines(of: rendered)
                if forwardOutput { sink(rendered) }
            }
            let run = CellRun(cellIndex: index, output: lines, diagnostics: result.diagnostics)
            runs.append(run)
            onCell?(run)
            if stopOnError && !result.succeeded { break }
        }
        return NotebookRun(cells: runs)
    }

    /// The notebook with each run cell's recorded output replaced by its fresh output.
    /// A `# no-check` marker on an old output line is kept on the new line at the same position.
    public func update(_ notebook: Notebook, with run: NotebookRun) -> Notebook {
        var updated = notebook
        for cellRun in run.cells {
            let old = notebook.cells[cellRun.cellIndex].outputs
            updated.cells[cellRun.cellIndex].outputs = cellRun.output.enumerated().map { index, line in
                let marked = index < old.count && OutputMatcher.hasNoCheckMarker(old[index])
                return marked && !OutputMatcher.hasNoCheckMarker(line) ? line + "  # no-check" : line
            }
        }
        updated.renumber()
        return updated
    }

    /// Runs the notebook and returns it with fresh outputs (what `flnb run --update` writes).
    public func runAndUpdate(_ notebook: Notebook) -> (Notebook, NotebookRun) {
        let run = run(notebook)
        return (update(notebook, with: run), run)
    }

    /// Runs the notebook and compares every code cell's recorded output with its fresh output.
    public func check(_ notebook: Notebook) -> CheckResult {
        let run = run(notebook)
        return OutputChecker(tolerance: tolerance, fileName: fileName).compare(notebook, run)
    }

    /// Output text as lines; a final newline does not make an extra empty line.
    static func lines(of text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") { lines.removeLast() }
        return lines
    }
}
