import Foundation
import FLTensor
import FLScript

/// One notebook file under `flnb run`: read it, build a fresh interpreter, then run, check
/// or update it.
struct NotebookFileRun {
    let path: String
    let options: NotebookOptions
    let makeInterpreter: InterpreterFactory

    func run() -> Int32 {
        let text: String
        do {
            text = try AtomicFile.readText(path)
        } catch {
            Console.error(Messages.fileProblem(error))
            return ExitStatus.noInput
        }
        let notebook = Notebook(parsing: text)
        let progress = ProgressLine()
        let interpreter = freshInterpreter(progress: progress)
        defer { progress.finish() }
        switch options.action {
        case .run: return replay(notebook, interpreter)
        case .check: return check(notebook, interpreter)
        case .update: return update(notebook, original: text, interpreter)
        case .ipynb(let destination): return writeIpynb(notebook, to: destination, interpreter)
        }
    }

    /// A fresh interpreter with `NOTEBOOK_DIR` set to the notebook's folder (absolute).
    private func freshInterpreter(progress: ProgressLine) -> Interpreter {
        let folder = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
        return SessionContext(mode: .notebook, progress: progress, notebookDirectory: folder).freshInterpreter(makeInterpreter)
    }

    private var runner: (Interpreter) -> NotebookRunner {
        { interpreter in
            // Recorded diagnostics name the notebook by its file name only, so a notebook checks
            // the same wherever it is run from.
            NotebookRunner(interpreter: interpreter, fileName: (path as NSString).lastPathComponent, stopOnError: false, forwardOutput: false,
                           tolerance: OutputTolerance(relative: options.tolerance ?? OutputTolerance().relative))
        }
    }

    /// Plain run: outputs to standard output as they come, diagnostics to standard error.
    private func replay(_ notebook: Notebook, _ interpreter: Interpreter) -> Int32 {
        var failed = false
        for cell in notebook.cells where cell.kind == .code {
            let result = interpreter.run(SourceFile(name: path, text: cell.code, firstLine: cell.codeLine))
            guard result.succeeded else {
                Console.error(result.errorText)
                failed = true
                if options.continueOnError { continue }
                break
            }
        }
        return failed ? ExitStatus.scriptError : ExitStatus.ok
    }

    /// `--check`: the checker's diff on a difference (errors are output like any other).
    private func check(_ notebook: Notebook, _ interpreter: Interpreter) -> Int32 {
        let result = runner(interpreter).check(notebook)
        let cells = notebook.cells.filter { $0.kind == .code }.count
        guard result.passed else {
            Console.out(result.diff)
            Console.out(Messages.checkFailed(path, differing: result.mismatches.count, cells: cells))
            return ExitStatus.checkFailed
        }
        Console.out(Messages.checkPassed(path, cells: cells))
        return ExitStatus.ok
    }

    /// `--update`: rewrites the recorded outputs in place when any changed.
    private func update(_ notebook: Notebook, original: String, _ interpreter: Interpreter) -> Int32 {
        var (updated, run) = runner(interpreter).runAndUpdate(notebook)
        // Outputs that change length move the lines below them, and a recorded diagnostic
        // names its line: run once more on the updated text so those line numbers settle.
        if updated.text != notebook.text {
            let again = runner(freshInterpreter(progress: ProgressLine(enabled: false))).runAndUpdate(updated)
            if again.0.text != updated.text { (updated, run) = again }
        }
        let changed = run.cells.filter { notebook.cells[$0.cellIndex].outputLines != updated.cells[$0.cellIndex].outputLines }.count
        let failing = run.cells.filter { !$0.succeeded }.map { $0.cellIndex + 1 }
        if !failing.isEmpty { Console.error(Messages.errorsRecorded(path, cells: failing)) }
        if updated.text != original {
            do {
                try AtomicFile.write(updated.text, to: path)
            } catch {
                Console.error(Messages.fileProblem(error))
                return ExitStatus.cannotWrite
            }
        }
        Console.out(Messages.updated(path, changed: changed, cells: run.cells.count))
        return ExitStatus.ok
    }

    /// `--to ipynb OUT`: this run's outputs, as a Jupyter notebook; the .flnb file is not touched.
    /// A plot shown without `file:` becomes a `display_data` output (SVG, with its terminal
    /// rendering as the text/plain fallback) after the cell's printed text, as in the kernel.
    private func writeIpynb(_ notebook: Notebook, to destination: String, _ interpreter: Interpreter) -> Int32 {
        var pending: [OrderedJSON] = []
        var displays: [Int: [OrderedJSON]] = [:]
        interpreter.display = { bundle in pending.append(Notebook.displayData(bundle)) }
        defer { interpreter.display = nil }
        let runner = runner(interpreter)
        let run = runner.run(notebook) { cell in
            if !pending.isEmpty { displays[cell.cellIndex] = pending }
            pending = []
        }
        let executed = runner.update(notebook, with: run)
        let failing = run.cells.filter { !$0.succeeded }.map { $0.cellIndex + 1 }
        if !failing.isEmpty { Console.error(Messages.errorsRecorded(path, cells: failing)) }
        do {
            try AtomicFile.write(executed.ipynb.appendingOutputs(displays).prettyText + "\n", to: destination)
        } catch {
            Console.error(Messages.fileProblem(error))
            return ExitStatus.cannotWrite
        }
        Console.out("wrote \(destination)\n")
        return failing.isEmpty ? ExitStatus.ok : ExitStatus.scriptError
    }
}
