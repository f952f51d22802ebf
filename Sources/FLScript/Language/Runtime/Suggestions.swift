import Foundation
import FLCore

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
            let distance = candidate.lowercased() == lowered ? 0 : truncated ? 1 : editDistance(name.unicodeScalars, candidate.unicodeScalars, swaps: true, limit: limit)
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
}
