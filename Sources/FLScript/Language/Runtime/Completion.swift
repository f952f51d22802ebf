import Foundation

/// Tab completion for the REPL. It only looks values up (names, then members along a
/// `a.b.c` chain); it never calls a function, so completing cannot change anything.
extension Interpreter {
    /// Words that complete the identifier ending at `cursor` (a character offset in `line`):
    /// members after '.', or `label:` for the open call's parameters followed by names and
    /// keywords. Each candidate replaces the whole identifier before the cursor. A label also
    /// matches through its doc (`le` offers `lr:`, documented "learning rate").
    public func completions(line: String, cursor: Int) -> [String] {
        let head = String(line.prefix(max(0, cursor)))
        let word = String(head.reversed().prefix { Completion.isIdentifierCharacter($0) }.reversed())
        let before = String(head.dropLast(word.count))
        if Completion.insideStringOrComment(before) { return [] }
        if before.hasSuffix(".") {
            return memberCompletions(chain: String(before.dropLast()), prefix: word)
        }
        var candidates = argumentLabelCompletions(before: before, prefix: word)
        let names = Set(globals.visibleNames + Lexer.keywords.keys).filter { $0.hasPrefix(word) }
        candidates += names.sorted()
        return candidates
    }

    /// Members of the value a plain `name.member…` chain ends in.
    private func memberCompletions(chain: String, prefix: String) -> [String] {
        let chainText = String(chain.reversed().prefix { Completion.isIdentifierCharacter($0) || $0 == "." }.reversed())
        let parts = chainText.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let initial = first.first, !initial.isNumber,
              parts.allSatisfy({ !$0.isEmpty }), var value = globals.lookup(first) else { return [] }
        for name in parts.dropFirst() {
            guard let next = memberValue(of: value, name) else { return [] }
            value = next
        }
        return memberInfo(of: value)
            .filter { $0.name.hasPrefix(prefix) }
            .map { $0.isMethod ? $0.name + "(" : $0.name }
            .sorted()
    }

    /// A member's value without side effects beyond the object's own getter.
    private func memberValue(of value: Value, _ name: String) -> Value? {
        switch value {
        case .object(let object): return (try? object.member(name)) ?? nil
        case .list(let list): return Methods.list(list, name).map(Value.builtin)
        case .dict(let dict): return Methods.dict(dict, name).map(Value.builtin)
        case .string(let string): return Methods.string(string, name).map(Value.builtin)
        default: return nil
        }
    }

    /// `label:` for the parameters of the innermost open call, when the cursor starts an argument.
    private func argumentLabelCompletions(before: String, prefix: String) -> [String] {
        var lexer = Lexer(source: SourceFile(name: "<completion>", text: before))
        let tokens = lexer.tokenize().filter { $0.kind != .newline && $0.kind != .eof }
        // The innermost unclosed bracket.
        var openers: [Int] = []
        for (index, token) in tokens.enumerated() {
            switch token.kind {
            case .leftParen, .leftBracket, .leftBrace: openers.append(index)
            case .rightParen, .rightBracket, .rightBrace: _ = openers.popLast()
            default: break
            }
        }
        guard let open = openers.last, tokens[open].kind == .leftParen,
              let last = tokens.last, last.kind == .leftParen || last.kind == .comma else { return [] }
        // The callee: `name(.name)*` just before the '('.
        var names: [String] = []
        var index = open - 1
        while index >= 0, tokens[index].kind == .identifier {
            names.insert(tokens[index].lexeme, at: 0)
            if index >= 1, tokens[index - 1].kind == .dot { index -= 2 } else { break }
        }
        guard let first = names.first, var callee = globals.lookup(first) else { return [] }
        for name in names.dropFirst() {
            guard let next = memberValue(of: callee, name) else { return [] }
            callee = next
        }
        // Parameter names, and how many of the first ones positional arguments can fill.
        let parameters: [String]
        let positionalSlots: Int
        var docs: [String: String] = [:]
        switch callee {
        case .builtin(let builtin):
            let all = builtin.signature.parameters
            positionalSlots = all.firstIndex(where: \.isVariadic) ?? all.count
            parameters = all.filter { !$0.isVariadic }.map(\.name)
            for parameter in all { docs[parameter.name] = parameter.doc }
        case .function(let function):
            parameters = function.parameterNames
            positionalSlots = parameters.count
        default: return []
        }
        // Labels already used in this call, and positional arguments already given, at the
        // call's own nesting level.
        var used = Set<String>()
        var positional = 0
        var depth = 0
        var argumentStart = open + 1
        for position in (open + 1)..<tokens.count {
            switch tokens[position].kind {
            case .leftParen, .leftBracket, .leftBrace: depth += 1
            case .rightParen, .rightBracket, .rightBrace: depth -= 1
            case .colon where depth == 0 && position == argumentStart + 1: used.insert(tokens[argumentStart].lexeme)
            case .comma where depth == 0:
                let labeled = argumentStart + 1 < position && tokens[argumentStart + 1].kind == .colon
                if !labeled { positional += 1 }
                argumentStart = position + 1
            default: break
            }
        }
        used.formUnion(parameters.prefix(min(positional, positionalSlots)))
        let available = parameters.filter { !used.contains($0) }
        // A label also matches through a word of its doc, so `le` finds `lr:` ("learning rate").
        let byName = available.filter { $0.hasPrefix(prefix) }
        let byDoc = prefix.count < 2 ? [] : available.filter { name in
            let words = (docs[name] ?? "").lowercased().split(whereSeparator: { !$0.isLetter })
            return !byName.contains(name) && words.contains { $0.hasPrefix(prefix.lowercased()) }
        }
        return (byName + byDoc).map { $0 + ":" }
    }
}

public enum Completion {
    /// Whether `character` may appear in a name (what Tab completes).
    public static func isIdentifierCharacter(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy { Lexer.isIdentifierContinue($0) }
    }

    /// Whether text ends inside a string literal or a comment.
    static func insideStringOrComment(_ text: String) -> Bool {
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = quote != nil
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" {
                return true
            }
        }
        return quote != nil
    }
}
