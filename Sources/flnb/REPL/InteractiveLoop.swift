import Foundation
import FLScript

/// The REPL on a terminal: libedit prompt, continuation lines while brackets are open,
/// persistent history, Tab completion, and Ctrl-C that interrupts a running input or clears
/// the line (twice in a row at an empty prompt: quit).
struct InteractiveLoop {
    let core: SessionCore

    func run() -> Int32 {
        let editor = LineEditor(history: HistoryFile(path: HistoryFile.defaultPath())) { [core] line, cursor in
            core.interpreter.completions(line: line, cursor: cursor)
        }
        SignalHandling.install()
        defer { SignalHandling.restore() }
        Console.out(Messages.banner(version: core.version))
        var pending: [String] = []
        var emptyPromptInterrupts = 0
        while true {
            SignalHandling.enterPrompt()
            switch editor.read(prompt: pending.isEmpty ? Messages.prompt : Messages.continuationPrompt) {
            case .endOfInput:
                Console.out("\n")
                return ExitStatus.ok
            case .interrupted(let text):
                if pending.isEmpty, text.isEmpty {
                    emptyPromptInterrupts += 1
                    if emptyPromptInterrupts >= 2 { return ExitStatus.ok }
                    Console.out(Messages.pressCtrlCAgain)
                } else {
                    emptyPromptInterrupts = 0
                }
                pending = []
            case .text(let line):
                emptyPromptInterrupts = 0
                editor.remember(line)
                if pending.isEmpty, MetaCommand.isCommand(line) {
                    SignalHandling.enterRunning()
                    if core.runCommand(line) == .quit { return ExitStatus.ok }
                    continue
                }
                pending.append(line)
                let input = pending.joined(separator: "\n")
                guard Syntax.isComplete(input) else { continue }
                pending = []
                guard !input.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
                SignalHandling.enterRunning()
                core.runCode(input)
            }
        }
    }
}
