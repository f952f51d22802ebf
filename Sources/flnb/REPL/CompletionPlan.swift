/// What Tab does with the candidates the interpreter offers for the word before the cursor.
///
/// A candidate replaces the whole word, and it need not start with it (`le` offers `lr:`,
/// whose doc says "learning rate"), so the usual readline rule "insert the common prefix"
/// is applied only when that prefix extends the word; otherwise the word stays and the
/// candidates are listed.
struct CompletionPlan: Equatable {
    /// The distinct candidates, in the interpreter's order.
    let candidates: [String]
    /// The text that replaces the word (the word itself when Tab cannot make progress).
    let replacement: String
    /// Whether Tab should show the candidate list right away (several, and no progress).
    let listsCandidates: Bool

    init(word: String, candidates: [String]) {
        var seen = Set<String>()
        let unique = candidates.filter { seen.insert($0).inserted }
        self.candidates = unique
        if unique.count == 1 {
            replacement = unique[0]
            listsCandidates = false
            return
        }
        let common = CompletionPlan.commonPrefix(unique)
        if common.count > word.count, common.hasPrefix(word) {
            replacement = common
            listsCandidates = false
        } else {
            replacement = word
            listsCandidates = unique.count > 1
        }
    }

    /// The longest prefix (in characters) all strings share.
    static func commonPrefix(_ strings: [String]) -> String {
        guard var prefix = strings.first.map(Array.init) else { return "" }
        for string in strings.dropFirst() {
            let characters = Array(string)
            var length = 0
            while length < min(prefix.count, characters.count), prefix[length] == characters[length] { length += 1 }
            prefix.removeSubrange(length...)
        }
        return String(prefix)
    }
}
