import Foundation

/// A position in a source file: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// A half-open span of source text, `start` inclusive and `end` exclusive.
public struct SourceRange: Hashable, Sendable {
    public var start: SourceLocation
    public var end: SourceLocation

    public init(_ start: SourceLocation, _ end: SourceLocation) {
        self.start = start
        self.end = end
    }

    /// A zero-width range at `location` (rendered as a lone caret).
    public init(at location: SourceLocation) {
        self.init(location, location)
    }

    /// The smallest range covering both `self` and `other`.
    public func joined(_ other: SourceRange) -> SourceRange {
        let first = (start.line, start.column) <= (other.start.line, other.start.column) ? start : other.start
        let last = (end.line, end.column) >= (other.end.line, other.end.column) ? end : other.end
        return SourceRange(first, last)
    }
}

/// One piece of program text with the name diagnostics show for it.
///
/// `firstLine` lets a notebook cell report positions as lines of the whole notebook file.
/// Immutable, so diagnostics can carry it across threads.
public final class SourceFile: Sendable {
    public let name: String
    public let text: String
    public let firstLine: Int
    /// The text split at "\n" (a trailing "\r" is kept off so carets line up).
    public let lines: [String]

    public init(name: String, text: String, firstLine: Int = 1) {
        self.name = name
        self.text = text
        self.firstLine = firstLine
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
    }

    /// The text of absolute line `line` (as numbered in diagnostics), if it exists.
    public func line(_ line: Int) -> String? {
        let index = line - firstLine
        return lines.indices.contains(index) ? lines[index] : nil
    }

    /// The text a single-line range covers (nil for ranges spanning lines).
    public func text(in range: SourceRange) -> String? {
        guard range.start.line == range.end.line, let line = line(range.start.line) else { return nil }
        let scalars = Array(line.unicodeScalars)
        let lower = max(0, min(scalars.count, range.start.column - 1))
        let upper = max(lower, min(scalars.count, range.end.column - 1))
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[lower..<upper])
        return text
    }
}
