import Foundation

/// What `help(x)` and `?x` print. Every kind of value is explained from the same data that
/// drives argument checking and completion: signatures for builtins, `members` for objects.
extension Interpreter {
    /// The help text for a value; nil gives the overview of all builtins.
    public func helpText(for subject: Value?) -> String {
        guard let subject else { return overview() }
        switch subject {
        case .builtin(let builtin): return Interpreter.help(for: builtin)
        case .function(let function): return help(for: function)
        case .object(let object): return Interpreter.help(typeName: object.typeName, summary: object.typeSummary, members: object.members)
        case .list: return Interpreter.help(typeName: "list", summary: "A mutable sequence, shared by reference (b = a makes b the same list). Index l[0], l[-1], slice l[1:3], iterate with for.", members: Methods.listMembers)
        case .dict: return Interpreter.help(typeName: "dict", summary: "A mapping from strings or numbers to values, in insertion order, shared by reference. d[\"k\"] reads and writes.", members: Methods.dictMembers)
        case .string(let string):
            // `help("print")` explains the builtin named print.
            if let named = environment.lookup(string), !(named.asString != nil) {
                return helpText(for: named)
            }
            return Interpreter.help(typeName: "string", summary: "Immutable text. \"a\" + \"b\" joins, s[0] and s[1:3] index, \"\\(x)\" interpolates.", members: Methods.stringMembers)
        case .range(let range):
            return "range \(Value.range(range).repr): \(range.count) numbers; iterate with for, or make a list with list(r)."
        case .number, .bool, .null:
            return "\(subject.typeName): \(subject.repr)"
        }
    }

    /// `name(params)`, summary, each parameter with its default and doc, and the example.
    public static func help(for builtin: Builtin) -> String {
        var lines = [builtin.signature.display]
        if !builtin.summary.isEmpty { lines.append("  " + builtin.summary) }
        let parameters = builtin.signature.parameters
        if !parameters.isEmpty {
            lines.append("  Parameters:")
            let labels = parameters.map { parameter -> String in
                if parameter.isVariadic { return parameter.name + "..." }
                return parameter.defaultValue.map { "\(parameter.name): \($0.repr)" } ?? parameter.name
            }
            let width = labels.map(\.count).max() ?? 0
            for (label, parameter) in zip(labels, parameters) {
                let padded = label.padding(toLength: width, withPad: " ", startingAt: 0)
                lines.append("    \(padded)  \(parameter.doc)".trimmingTrailingWhitespace())
            }
        }
        if !builtin.example.isEmpty {
            lines.append("  Example:")
            lines.append("    " + builtin.example)
        }
        return lines.joined(separator: "\n")
    }

    /// A type's summary and its members, one line each.
    public static func help(typeName: String, summary: String, members: [MemberInfo]) -> String {
        var lines = [summary.isEmpty ? typeName : "\(typeName): \(summary)"]
        if !members.isEmpty {
            lines.append("  Members:")
            let labels = members.map { $0.isMethod ? $0.name + "()" : $0.name }
            let width = labels.map(\.count).max() ?? 0
            for (label, member) in zip(labels, members) {
                lines.append("    \(label.padding(toLength: width, withPad: " ", startingAt: 0))  \(member.summary)".trimmingTrailingWhitespace())
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `fn name(a, b: 2)`, the `#` comment lines just above its definition, and where it is.
    func help(for function: ScriptFunction) -> String {
        let decl = function.declaration
        let source = function.source
        let parameters = decl.parameters.map { parameter -> String in
            guard let value = parameter.defaultValue else { return parameter.name }
            return "\(parameter.name): \(source.text(in: value.range) ?? "…")"
        }
        var lines = ["fn \(function.name)(\(parameters.joined(separator: ", ")))"]
        var line = decl.range.start.line - 1
        var comments: [String] = []
        while let text = source.line(line)?.trimmingCharacters(in: .whitespaces), text.hasPrefix("#"),
              !text.hasPrefix("#>"), !text.hasPrefix("# %%") {
            comments.insert(String(text.dropFirst()).trimmingCharacters(in: .whitespaces), at: 0)
            line -= 1
        }
        lines += comments.map { "  " + $0 }
        lines.append("  Defined at \(source.name):\(decl.range.start.line).")
        return lines.joined(separator: "\n")
    }

    /// Every builtin with its summary.
    func overview() -> String {
        var lines = ["Type help(x) or ?x to explain any value: a builtin, a function, an object, a list…", "Builtins:"]
        let entries = builtinScope.values.sorted { $0.key < $1.key }
        let builtins = entries.compactMap { entry -> Builtin? in
            if case .builtin(let builtin) = entry.value { return builtin }
            return nil
        }
        let width = min(40, builtins.map { $0.signature.display.count }.max() ?? 0)
        for builtin in builtins {
            let display = builtin.signature.display
            let padded = display.count < width ? display.padding(toLength: width, withPad: " ", startingAt: 0) : display
            lines.append("  \(padded)  \(builtin.summary)")
        }
        let constants = entries.filter { if case .builtin = $0.value { return false } else { return true } }
        if !constants.isEmpty {
            lines.append("Constants: " + constants.map(\.key).joined(separator: ", "))
        }
        lines.append("Keywords: " + Lexer.keywords.keys.sorted().joined(separator: " "))
        return lines.joined(separator: "\n")
    }
}

fileprivate extension String {
    func trimmingTrailingWhitespace() -> String {
        var result = self
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
