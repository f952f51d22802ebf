import Foundation
import FLScript

/// The inputs of a session that succeeded, in order, with their outputs: what `:save` writes.
struct SessionTranscript {
    struct Entry: Equatable {
        var code: String
        var output: [String]
    }

    private(set) var entries: [Entry] = []
    /// Inputs that failed at run time (not at parsing), which may have changed variables
    /// before failing; a replay of the saved notebook will not see those changes.
    private(set) var failuresAfterRunning = 0

    mutating func record(code: String, output: String) {
        entries.append(Entry(code: code, output: SessionTranscript.lines(of: output)))
    }

    mutating func noteRuntimeFailure() {
        failuresAfterRunning += 1
    }

    /// The session as a notebook: a markdown header, then one code cell per input with its
    /// output as `#>` lines, cells separated by a blank line.
    func notebook(version: String, date: Date) -> Notebook {
        var notebook = Notebook()
        notebook.appendMarkdown(Messages.sessionHeader(version: version, date: date))
        for entry in entries {
            notebook.appendCode(entry.code, outputs: entry.output)
        }
        for index in notebook.cells.indices where notebook.cells[index].trailingLines.isEmpty {
            notebook.cells[index].trailingLines = [""]
        }
        // No blank line after the last cell.
        if let last = notebook.cells.indices.last { notebook.cells[last].trailingLines = [] }
        return notebook
    }

    /// Output text as lines; a final newline does not make an extra empty line.
    static func lines(of text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") { lines.removeLast() }
        return lines
    }
}
