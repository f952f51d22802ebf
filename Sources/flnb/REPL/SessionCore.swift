import Foundation
import FLTensor
import FLScript

/// The state a REPL session keeps between inputs, shared by the terminal and pipe loops:
/// the interpreter, what succeeded (for `:save`), and the meta-commands.
final class SessionCore {
    /// Where a session's text goes: the terminal for the REPL, messages for the Jupyter kernel.
    struct Sinks {
        /// Interpreter output and meta-command replies (standard output at the prompt).
        var out: (String) -> Void = { Console.out($0) }
        /// Diagnostics (standard error at the prompt).
        var error: (String) -> Void = { Console.error($0) }
        /// What `warn` writes (standard error at the prompt); recorded by `:save` like output.
        var warning: (String) -> Void = { Console.error($0) }
        /// Receives the value of an input ending in an expression instead of echoing it as text;
        /// nil echoes it, as the prompt does.
        var value: ((Value) -> Void)?
        /// Shows rich output such as `plot()`'s SVG (see `Interpreter.display`); nil prints text.
        var display: (([(mime: String, data: String)]) -> Void)?
    }

    /// What a meta-command asks the loop to do next.
    enum CommandOutcome: Equatable {
        case proceed(succeeded: Bool)
        case quit
    }

    let version: String
    let mode: SessionContext.Mode
    let progress: ProgressLine
    private let makeInterpreter: InterpreterFactory
    private(set) var interpreter: Interpreter
    private(set) var transcript = SessionTranscript()
    private(set) var showsTiming = false
    /// Everything the running input printed, for the transcript.
    private let captured: OutputCapture
    private let sinks: Sinks

    init(version: String, mode: SessionContext.Mode, progress: ProgressLine, sinks: Sinks = Sinks(),
         makeInterpreter: @escaping InterpreterFactory) {
        self.version = version
        self.mode = mode
        self.progress = progress
        self.sinks = sinks
        self.makeInterpreter = makeInterpreter
        captured = OutputCapture()
        interpreter = SessionCore.freshInterpreter(makeInterpreter, mode: mode, progress: progress, capture: captured, sinks: sinks)
    }

    /// A new interpreter from the factory, printing to the sinks and into `capture`;
    /// `NOTEBOOK_DIR` is the working directory (a session has no notebook of its own).
    private static func freshInterpreter(_ makeInterpreter: InterpreterFactory, mode: SessionContext.Mode,
                                         progress: ProgressLine, capture: OutputCapture,
                                         sinks: Sinks) -> Interpreter {
        let context = SessionContext(mode: mode, progress: progress, notebookDirectory: FileManager.default.currentDirectoryPath)
        let interpreter = context.freshInterpreter(makeInterpreter, output: { sinks.out($0); capture.text += $0 },
                                                   warning: { sinks.warning($0); capture.text += $0 })
        interpreter.display = sinks.display
        return interpreter
    }

    // MARK: - Code

    /// Runs one complete input: prints its output and any diagnostic, and records it for
    /// `:save` when it succeeded.
    /// - Parameters:
    ///   - file: the name diagnostics show.
    ///   - firstLine: the line number of the input's first line (in pipe mode, of the stream).
    /// - Returns: whether it succeeded.
    @discardableResult
    func runCode(_ code: String, file: String = "<input>", firstLine: Int = 1) -> Bool {
        let start = DispatchTime.now().uptimeNanoseconds
        let succeeded = run(SourceFile(name: file, text: code, firstLine: firstLine))
        if showsTiming {
            sinks.out(Messages.elapsed(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }
        return succeeded
    }

    /// Runs `source`, records it on success, prints its diagnostic on failure.
    private func run(_ source: SourceFile) -> Bool {
        captured.text = ""
        let result = interpreter.run(source, echo: sinks.value == nil)
        progress.finish()  // in case a builtin stopped (an error, Ctrl-C) without finishing its bar
        if let show = sinks.value, let value = result.value, !value.isNull {
            show(value)
            captured.text += value.repr + "\n"
        } else if !captured.text.isEmpty, !captured.text.hasSuffix("\n") { sinks.out("\n") }
        if result.succeeded {
            transcript.record(code: source.text, output: captured.text)
        } else {
            if SignalHandling.interruptedWhileRunning, mode == .interactive { sinks.error("\n") }
            sinks.error(result.errorText)
            // An interrupted training step changed the run: record the exact replay of what it did.
            if let replay = result.replay {
                transcript.record(code: replay, output: captured.text)
            } else if Syntax.check(source).isEmpty { transcript.noteRuntimeFailure() }
        }
        captured.text = ""
        return result.succeeded
    }

    // MARK: - Meta-commands

    /// Runs a `:command` line.
    func runCommand(_ line: String) -> CommandOutcome {
        switch MetaCommand.parse(line) {
        case .failure(let error):
            sinks.error(error.message)
            return .proceed(succeeded: false)
        case .success(let command):
            return run(command)
        }
    }

    private func run(_ command: MetaCommand) -> CommandOutcome {
        switch command {
        case .help:
            sinks.out(Messages.help)
        case .vars:
            sinks.out(variablesTable(width: Console.width()))
        case .time:
            showsTiming.toggle()
            sinks.out(Messages.timing(on: showsTiming))
        case .save(let path):
            return .proceed(succeeded: save(to: path))
        case .load(let path):
            return .proceed(succeeded: load(path))
        case .reset:
            interpreter = SessionCore.freshInterpreter(makeInterpreter, mode: mode, progress: progress, capture: captured,
                                                     sinks: sinks)
            transcript = SessionTranscript()
            sinks.out(Messages.reset)
        case .quit:
            return .quit
        }
        return .proceed(succeeded: true)
    }

    /// `:vars`: one line per user variable, `name  type  value`, values cut to the width.
    func variablesTable(width: Int) -> String {
        let names = interpreter.globalNames
        guard !names.isEmpty else { return Messages.noVariables }
        let rows = names.map { name -> (String, String, String) in
            let value = interpreter.value(named: name) ?? .null
            return (name, value.typeName, value.repr)
        }
        let nameWidth = rows.map(\.0.count).max() ?? 0
        let typeWidth = rows.map(\.1.count).max() ?? 0
        let valueWidth = max(20, width - nameWidth - typeWidth - 5)
        return rows.map { name, type, value in
            let lines = value.split(separator: "\n", omittingEmptySubsequences: false)
            var shown = String(lines.first ?? "")
            if shown.count > valueWidth || lines.count > 1 {
                shown = String(shown.prefix(valueWidth - 1)) + "…"
            }
            return name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + type.padding(toLength: typeWidth, withPad: " ", startingAt: 0) + "  " + shown + "\n"
        }.joined()
    }

    /// `:save FILE`: the transcript as a notebook, written atomically.
    private func save(to path: String) -> Bool {
        let notebook = transcript.notebook(version: version, date: Date())
        do {
            try AtomicFile.write(notebook.text, to: path)
        } catch {
            sinks.error(Messages.fileProblem(error))
            return false
        }
        sinks.out(Messages.saved(cells: transcript.entries.count, path: path))
        if transcript.failuresAfterRunning > 0 {
            sinks.out(Messages.partialEffectsWarning(transcript.failuresAfterRunning))
        }
        return true
    }

    /// `:load FILE`: runs the code cells of a notebook (or a script, one cell) into this
    /// session, printing their output; stops at the first failing cell. Cells that ran join
    /// the transcript.
    private func load(_ path: String) -> Bool {
        let text: String
        do {
            text = try AtomicFile.readText(path)
        } catch {
            sinks.error(Messages.fileProblem(error))
            return false
        }
        let notebook = Notebook(parsing: text)
        var count = 0
        for (index, cell) in notebook.cells.enumerated() where cell.kind == .code {
            if cell.code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
            guard run(SourceFile(name: path, text: cell.code, firstLine: cell.codeLine)) else {
                sinks.error(Messages.loadStopped(path: path, cell: index + 1, line: cell.codeLine))
                return false
            }
            count += 1
        }
        sinks.out(Messages.loaded(cells: count, path: path))
        return true
    }
}

/// The text an interpreter printed while one input ran.
final class OutputCapture {
    var text = ""
}
