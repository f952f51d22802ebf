import Foundation
import FLTensor

/// The REPL's persistent line history: one line per entry, the most recent last, at most
/// `limit` entries, rewritten atomically after each new line so two crashes never lose it.
struct HistoryFile {
    /// Where history is kept; nil keeps it in memory only.
    let path: String?
    let limit: Int
    private(set) var entries: [String] = []

    /// How many lines the history keeps.
    static let defaultLimit = 1_000

    /// `FLNB_HISTORY` when set (an empty value turns persistence off), else `~/.flnb_history`.
    static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let path = environment["FLNB_HISTORY"] { return path.isEmpty ? nil : path }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return (home as NSString).appendingPathComponent(".flnb_history")
    }

    /// Loads the history at `path`; a missing or unreadable file starts an empty history.
    init(path: String?, limit: Int = HistoryFile.defaultLimit) {
        self.path = path
        self.limit = max(1, limit)
        if let path, let text = try? AtomicFile.readText(path) {
            entries = Array(text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).suffix(self.limit))
        }
    }

    /// Adds a line unless it is blank or repeats the previous entry; drops the oldest beyond the limit.
    /// - Returns: whether the line was added.
    @discardableResult
    mutating func append(_ line: String) -> Bool {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty, !line.contains("\n"), entries.last != line else { return false }
        entries.append(line)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
        return true
    }

    /// Writes the entries to `path` (temporary file + rename).
    func save() throws {
        guard let path else { return }
        try AtomicFile.write(entries.map { $0 + "\n" }.joined(), to: path)
    }
}
