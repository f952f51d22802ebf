import Foundation
import FLCore

/// A `:command` typed at the prompt (or piped in) instead of code.
enum MetaCommand: Equatable {
    case help, vars, time, reset, quit
    case save(path: String)
    case load(path: String)

    /// The command names, in the order `:help` lists them.
    static let names = ["help", "vars", "time", "save", "load", "reset", "quit", "q"]

    /// Whether `line` is a meta-command rather than code (code never starts with ':').
    static func isCommand(_ line: String) -> Bool {
        line.trimmingCharacters(in: .whitespaces).hasPrefix(":")
    }

    /// Parses `:name [argument]`.
    /// - Returns: the command, or the message explaining what is wrong with the line.
    static func parse(_ line: String) -> Result<MetaCommand, MetaCommandError> {
        let trimmed = line.trimmingCharacters(in: .whitespaces).dropFirst()
        let name = String(trimmed.prefix { !$0.isWhitespace })
        let argument = unquote(String(trimmed.dropFirst(name.count)).trimmingCharacters(in: .whitespaces))
        func bare(_ command: MetaCommand) -> Result<MetaCommand, MetaCommandError> {
            argument.isEmpty ? .success(command) : .failure(MetaCommandError(Messages.commandTakesNoArgument(name)))
        }
        func withFile(_ make: (String) -> MetaCommand) -> Result<MetaCommand, MetaCommandError> {
            argument.isEmpty ? .failure(MetaCommandError(Messages.commandNeedsFile(name)))
                : .success(make((argument as NSString).expandingTildeInPath))
        }
        switch name {
        case "help", "h", "?": return bare(.help)
        case "vars": return bare(.vars)
        case "time": return bare(.time)
        case "reset": return bare(.reset)
        case "quit", "q", "exit": return bare(.quit)
        case "save": return withFile { .save(path: $0) }
        case "load": return withFile { .load(path: $0) }
        default: return .failure(MetaCommandError(Messages.unknownCommand(name, suggestion: suggestion(for: name))))
        }
    }

    /// A file name may be quoted to keep spaces: `:save "my run.flnb"`.
    private static func unquote(_ text: String) -> String {
        for quote in ["\"", "'"] where text.count >= 2 && text.hasPrefix(quote) && text.hasSuffix(quote) {
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    /// The command the user probably meant: one the name starts, or one a single edit away.
    static func suggestion(for name: String) -> String? {
        guard !name.isEmpty else { return nil }
        let full = names.filter { $0.count > 1 }
        if let prefixed = full.first(where: { $0.hasPrefix(name) }) { return prefixed }
        return full.first { editDistance($0, name) <= (name.count > 3 ? 2 : 1) }
    }
}

/// Why a `:command` line could not be run; `message` is ready to print.
struct MetaCommandError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
