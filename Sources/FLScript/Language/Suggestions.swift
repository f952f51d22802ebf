import Foundation

/// "did you mean …?" for unknown names, members and arguments.
enum Suggestions {
    /// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
    static func closest<S: Sequence>(to name: String, in candidates: S) -> String? where S.Element == String {
        // Short names are too easily "close" to unrelated ones: `x` is one edit from `y`.
        let length = name.count
        let limit = length <= 2 ? 0 : length <= 5 ? 1 : 2
        var best: (name: String, distance: Int)?
        let lowered = name.lowercased()
        for candidate in candidates where candidate != name {
            // A name cut short ("col" for "column") counts as one edit away.
            let truncated = length >= 3 && candidate.hasPrefix(name)
            let distance = candidate.lowercased() == lowered ? 0 : truncated ? 1 : editDistance(name, candidate, limit: limit)
            if distance <= limit, best.map({ distance < $0.distance || (distance == $0.distance && candidate < $0.name) }) ?? true {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// "; did you mean 'lambda'?" or "".
    static func didYouMean<S: Sequence>(_ name: String, in candidates: S, suffix: String = "") -> String where S.Element == String {
        closest(to: name, in: candidates).map { "; did you mean '\($0)\(suffix)'?" } ?? ""
    }

    /// Edit distance counting a swap of neighbours as one edit ("scael" → "scale"), the
    /// optimal-string-alignment variant of Damerau–Levenshtein.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var rows = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { rows[i][0] = i }
        for j in 0...b.count { rows[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
                }
            }
        }
        return rows[a.count][b.count]
    }
}
