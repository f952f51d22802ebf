import Foundation
import FLScript

/// What the front end tells the interpreter factory about the session it builds for.
public struct SessionContext {
    /// How the interpreter will be driven.
    public enum Mode: Sendable {
        /// The prompt on a terminal: line editing, Ctrl-C interrupts, progress bars.
        case interactive
        /// Standard input is a pipe or file: no line editing, no progress bars.
        case pipe
        /// `flnb run`: one notebook, replayed from scratch.
        case notebook
        /// `flnb kernel`: cells sent by a Jupyter front end; output goes out as messages.
        case kernel
    }

    /// Which front end the interpreter serves.
    public let mode: Mode
    /// The progress bar long-running builtins should feed (drawn only on a terminal; disabled in pipe mode).
    public let progress: ProgressLine
    /// The value of `NOTEBOOK_DIR`: the notebook's folder, or the working directory at the prompt.
    public let notebookDirectory: String
}

/// Builds an interpreter with every builtin registered; front ends get theirs through
/// `SessionContext.freshInterpreter`, which sets the sinks and `NOTEBOOK_DIR`. Keep the
/// interpreter's `interruptFlag` at its default, `InterruptFlag.shared`: that is the flag the
/// REPL's Ctrl-C handler sets.
public typealias InterpreterFactory = (SessionContext) -> Interpreter

extension SessionContext {
    /// A fresh interpreter from `factory` for this context, the one way every front end makes
    /// one: `NOTEBOOK_DIR` is `notebookDirectory`; training steps draw on the progress line;
    /// printed text goes to `output` and `warn` to `warning`, each after clearing the progress line.
    func freshInterpreter(_ factory: InterpreterFactory, output: @escaping (String) -> Void = { Console.out($0) },
                          warning: @escaping (String) -> Void = { Console.error($0) }) -> Interpreter {
        let interpreter = factory(self)
        let progress = self.progress
        interpreter.output = { progress.clear(); output($0) }
        interpreter.errorOutput = { progress.clear(); warning($0) }
        interpreter.progress = { progress.update(title: $0, done: $1, total: $2, fields: $3) }
        interpreter.define("NOTEBOOK_DIR", .string(notebookDirectory))
        return interpreter
    }
}

/// The `flnb` prompt: a libedit REPL when standard input is a terminal, otherwise pipe mode,
/// which runs each complete input as it arrives and exits 65 if any input failed.
///
///     exit(ReplSession(version: flnbVersion, makeInterpreter: makeInterpreter).run())
public final class ReplSession {
    private let version: String
    private let makeInterpreter: InterpreterFactory

    /// A session whose interpreters (one per `:reset`) come from `makeInterpreter`.
    /// - Parameter version: shown in the banner and in the header of `:save`d notebooks.
    public init(version: String, makeInterpreter: @escaping InterpreterFactory) {
        self.version = version
        self.makeInterpreter = makeInterpreter
    }

    /// Runs until `:quit`, Ctrl-D, two Ctrl-C at an empty prompt, or the end of piped input.
    /// - Returns: the exit status: 0, or in pipe mode 65 when any input failed.
    public func run() -> Int32 {
        if Console.inputIsTerminal {
            let core = SessionCore(version: version, mode: .interactive, progress: ProgressLine(),
                                   makeInterpreter: makeInterpreter)
            return InteractiveLoop(core: core).run()
        }
        let core = SessionCore(version: version, mode: .pipe, progress: .disabled, makeInterpreter: makeInterpreter)
        return PipeLoop(core: core, nextLine: { readLine(strippingNewline: true) }).run()
    }
}
