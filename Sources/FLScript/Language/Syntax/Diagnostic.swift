import Foundation

/// A lexer, parser or runtime error (or a note attached to one), with where it happened.
///
/// Every error a user can cause is reported as a `Diagnostic` and printed by `rendered()`,
/// so all messages share one format:
///
///     cell.flnb:3:14: error: expected ')' to close '(' at 3:5
///     run = experiment(bench, net
///                                ^
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    /// How serious a diagnostic is; notes only appear attached to an error.
    public enum Severity: String, Sendable {
        case error, warning, note
    }

    public var severity: Severity
    public var message: String
    /// Where the problem is; nil when no position is known.
    public var range: SourceRange?
    /// The text the range points into; nil for errors outside any source.
    public var source: SourceFile?
    /// Further context, such as the calls that led to a runtime error.
    public var notes: [Diagnostic]

    /// A diagnostic about `range` in `source`.
    public init(_ severity: Severity = .error, _ message: String, at range: SourceRange?,
                in source: SourceFile?, notes: [Diagnostic] = []) {
        self.severity = severity
        self.message = message
        self.range = range
        self.source = source
        self.notes = notes
    }

    /// The first line of the rendering: `file:line:col: error: message`.
    public var headline: String {
        var location = source?.name ?? ""
        if let range {
            location += location.isEmpty ? "\(range.start)" : ":\(range.start)"
        }
        return (location.isEmpty ? "" : location + ": ") + "\(severity.rawValue): \(message)"
    }

    public var description: String { headline }

    /// The full rendering: headline, source line, caret (with `~` under the rest of the range), notes.
    public func rendered() -> String {
        var lines = [headline]
        if let range, let source, let text = source.line(range.start.line) {
            lines.append(text)
            lines.append(Diagnostic.marker(under: text, range: range))
        }
        for note in notes {
            lines.append(note.rendered())
        }
        return lines.joined(separator: "\n")
    }

    /// Renders several diagnostics, one after another, each ending in a newline.
    public static func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { $0.rendered() + "\n" }.joined()
    }

    /// The caret line for `range` under `text`; tabs in the prefix are kept so the caret lines up.
    static func marker(under text: String, range: SourceRange) -> String {
        let scalars = Array(text.unicodeScalars)
        let startIndex = max(0, range.start.column - 1)
        var marker = ""
        for index in 0..<startIndex {
            marker.append(index < scalars.count && scalars[index] == "\t" ? "\t" : " ")
        }
        marker.append("^")
        let lastColumn = range.end.line == range.start.line ? range.end.column - 1 : scalars.count
        let tildes = max(0, lastColumn - range.start.column)
        marker.append(String(repeating: "~", count: tildes))
        return marker
    }
}

/// An error thrown by builtins and objects: the interpreter turns it into a runtime diagnostic
/// at the call site (at the named argument's expression when `argument` is set).
public struct ScriptError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The parameter whose argument caused the error, if any.
    public var argument: String?

    /// An error with a message for the user, optionally blaming one parameter's argument.
    public init(_ message: String, argument: String? = nil) {
        self.message = message
        self.argument = argument
    }

    public var description: String { message }
}
