import Foundation
import FLScript

/// The REPL when standard input is not a terminal (`flnb < script.fl`, `echo … | flnb`):
/// no line editing, no prompts, no progress bars. Each input runs as soon as it is complete
/// (multi-line inputs wait for their closing bracket), outputs go to standard output and
/// diagnostics to standard error; meta-commands work as at the prompt.
///
/// Exit status: 0 when every input succeeded, 65 (script error) when any failed — an error
/// does not stop the session, but a script driving flnb can still detect it.
struct PipeLoop {
    let core: SessionCore
    /// The next line of input without its newline; nil at the end.
    let nextLine: () -> String?

    func run() -> Int32 {
        var pending: [String] = []
        var anyFailed = false
        var lineNumber = 0
        var firstLine = 1
        while let raw = nextLine() {
            lineNumber += 1
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : raw
            if pending.isEmpty { firstLine = lineNumber }
            if pending.isEmpty, MetaCommand.isCommand(line) {
                switch core.runCommand(line) {
                case .quit: return anyFailed ? ExitStatus.scriptError : ExitStatus.ok
                case .proceed(let succeeded): anyFailed = anyFailed || !succeeded
                }
                continue
            }
            pending.append(line)
            let input = pending.joined(separator: "\n")
            guard Syntax.isComplete(input) else { continue }
            pending = []
            if input.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
            if !core.runCode(input, file: "<stdin>", firstLine: firstLine) { anyFailed = true }
        }
        // Input ended inside an open bracket: run it anyway so its error is reported.
        if !pending.isEmpty, !core.runCode(pending.joined(separator: "\n"), file: "<stdin>", firstLine: firstLine) {
            anyFailed = true
        }
        return anyFailed ? ExitStatus.scriptError : ExitStatus.ok
    }
}
