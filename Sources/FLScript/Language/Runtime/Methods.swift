import Foundation

/// The methods of lists, dicts and strings (`l.append(x)`, `d.get(k)`, `s.upper()`),
/// made as builtins bound to their receiver when the member is looked up.
enum Methods {
    static func list(_ list: ScriptList, _ name: String) -> Builtin? {
        listMethods(list).first { $0.name == "list." + name }
    }

    static func dict(_ dict: ScriptDict, _ name: String) -> Builtin? {
        dictMethods(dict).first { $0.name == "dict." + name }
    }

    static func string(_ string: String, _ name: String) -> Builtin? {
        stringMethods(string).first { $0.name == "string." + name }
    }

    static let listMembers = members(listMethods(ScriptList()))
    static let dictMembers = members(dictMethods(ScriptDict()))
    static let stringMembers = members(stringMethods(""))

    private static func members(_ methods: [Builtin]) -> [MemberInfo] {
        methods.map { MemberInfo.method(String($0.name.split(separator: ".").last!), $0.summary) }
    }

    /// Refuses to store a value that would nest lists too deeply (freeing them would recurse).
    static func checkStorable(_ value: Value, _ interpreter: Interpreter) throws {
        if value.nestingDepth + 1 > interpreter.limits.maxValueNesting {
            throw ScriptError("lists and dicts nested too deeply (limit \(interpreter.limits.maxValueNesting))")
        }
    }

    static func checkSize(_ size: Int, _ interpreter: Interpreter) throws {
        if size > interpreter.limits.maxCollectionSize {
            throw ScriptError("a list of \(size) elements is too large (limit \(interpreter.limits.maxCollectionSize))")
        }
    }

    // MARK: - list

    static func listMethods(_ list: ScriptList) -> [Builtin] {
        [
            Builtin("list.append", summary: "Adds a value at the end of the list.",
                    parameters: [.required("value", "the value to add")], example: "l = [1]; l.append(2)   # l is [1, 2]") { args in
                try checkStorable(args["value"], args.interpreter)
                try checkSize(list.items.count + 1, args.interpreter)
                list.append(args["value"])
                return .null
            },
            Builtin("list.pop", summary: "Removes and returns the element at index (the last by default).",
                    parameters: [.optional("index", default: -1, "position to remove; negative counts from the end")],
                    example: "[1, 2, 3].pop()   # 3") { args in
                guard !list.items.isEmpty else { throw ScriptError("pop from an empty list") }
                let index = try args.int("index")
                let position = index < 0 ? index + list.items.count : index
                guard list.items.indices.contains(position) else {
                    throw ScriptError("pop index \(index) out of range for a list of \(list.items.count)", argument: "index")
                }
                return list.items.remove(at: position)
            },
            Builtin("list.extend", summary: "Appends every element of another list (or range, string…).",
                    parameters: [.required("values", "the elements to append")], example: "l = [1]; l.extend([2, 3])") { args in
                let values = try args.interpreter.elements(of: args["values"])
                try checkSize(list.items.count + values.count, args.interpreter)
                try values.forEach { try checkStorable($0, args.interpreter) }
                values.forEach { list.append($0) }
                return .null
            },
            Builtin("list.insert", summary: "Inserts a value before position index.",
                    parameters: [.required("index", "position; clamped to the list, negative counts from the end"),
                                 .required("value", "the value to insert")],
                    example: "l = [1, 3]; l.insert(1, 2)   # [1, 2, 3]") { args in
                let index = try args.int("index")
                let count = list.items.count
                let position = index < 0 ? max(0, index + count) : min(index, count)
                try checkStorable(args["value"], args.interpreter)
                try checkSize(count + 1, args.interpreter)
                list.items.insert(args["value"], at: position)
                list.noteStored(args["value"])
                return .null
            },
            Builtin("list.contains", summary: "Whether the list holds a value equal to value.",
                    parameters: [.required("value", "the value to look for")], example: "[1, 2].contains(2)   # true") { args in
                let interpreter = args.interpreter
                let range = interpreter.callSiteRange ?? SourceRange(at: SourceLocation(line: 1, column: 1))
                for item in list.items where try interpreter.valuesEqual(item, args["value"], at: range) {
                    return .bool(true)
                }
                return .bool(false)
            },
            Builtin("list.copy", summary: "A new list with the same elements (a shallow copy).",
                    example: "b = a.copy()") { _ in
                .list(ScriptList(list.items))
            },
        ]
    }

    // MARK: - dict

    static func dictMethods(_ dict: ScriptDict) -> [Builtin] {
        [
            Builtin("dict.keys", summary: "The keys, in insertion order.", example: "{\"a\": 1}.keys()   # [\"a\"]") { _ in
                .list(ScriptList(dict.keys.map(\.value)))
            },
            Builtin("dict.values", summary: "The values, in insertion order.", example: "{\"a\": 1}.values()   # [1]") { _ in
                .list(ScriptList(dict.entries.map(\.value)))
            },
            Builtin("dict.items", summary: "[key, value] pairs, in insertion order.",
                    example: "for k, v in d.items() { print(k, v) }") { _ in
                .list(ScriptList(dict.entries.map { .list(ScriptList([$0.key.value, $0.value])) }))
            },
            Builtin("dict.get", summary: "The value for key, or default when the key is absent.",
                    parameters: [.required("key", "a string or number"), .optional("default", default: .null, "returned when key is absent")],
                    example: "d.get(\"lr\", 0.1)") { args in
                guard let key = dictKey(args["key"]) else { return args["default"] }
                return dict[key] ?? args["default"]
            },
            Builtin("dict.contains", summary: "Whether the dict has key.",
                    parameters: [.required("key", "a string or number")], example: "d.contains(\"lr\")") { args in
                .bool(dictKey(args["key"]).map { dict[$0] != nil } ?? false)
            },
            Builtin("dict.remove", summary: "Removes key and returns its value.",
                    parameters: [.required("key", "a string or number")], example: "d.remove(\"lr\")") { args in
                guard let key = dictKey(args["key"]), let value = dict[key] else {
                    throw ScriptError("key \(args["key"].repr) not found in dict", argument: "key")
                }
                dict[key] = nil
                return value
            },
            Builtin("dict.copy", summary: "A new dict with the same entries (a shallow copy).", example: "e = d.copy()") { _ in
                let copy = ScriptDict()
                for (key, value) in dict.entries { copy[key] = value }
                return .dict(copy)
            },
        ]
    }

    private static func dictKey(_ value: Value) -> DictKey? {
        switch value {
        case .string(let string): return .string(string)
        case .number(let number) where !number.isNaN: return .number(number == 0 ? 0 : number)
        default: return nil
        }
    }

    // MARK: - string

    static func stringMethods(_ string: String) -> [Builtin] {
        [
            Builtin("string.upper", summary: "The string in upper case.", example: "\"sgd\".upper()   # \"SGD\"") { _ in
                .string(string.uppercased())
            },
            Builtin("string.lower", summary: "The string in lower case.", example: "\"EWC\".lower()   # \"ewc\"") { _ in
                .string(string.lowercased())
            },
            Builtin("string.strip", summary: "The string without leading and trailing whitespace.",
                    example: "\"  a \".strip()   # \"a\"") { _ in
                .string(string.trimmingCharacters(in: .whitespacesAndNewlines))
            },
            Builtin("string.split", summary: "The parts between separators (by default, runs of whitespace).",
                    parameters: [.optional("separator", default: .null, "the text to split at")],
                    example: "\"a,b\".split(\",\")   # [\"a\", \"b\"]") { args in
                guard let separator = try args.optionalString("separator") else {
                    return .list(ScriptList(string.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) }))
                }
                guard !separator.isEmpty else { throw ScriptError("separator cannot be empty", argument: "separator") }
                return .list(ScriptList(string.components(separatedBy: separator).map { .string($0) }))
            },
            Builtin("string.join", summary: "The values' text joined with this string between them.",
                    parameters: [.required("values", "a list (or other sequence) of values")],
                    example: "\", \".join([\"a\", \"b\"])   # \"a, b\"") { args in
                let parts = try args.interpreter.elements(of: args["values"]).map(\.text)
                let size = parts.reduce(0) { $0 + $1.unicodeScalars.count } + string.unicodeScalars.count * parts.count
                try checkSize(size, args.interpreter)
                return .string(parts.joined(separator: string))
            },
            Builtin("string.startswith", summary: "Whether the string starts with prefix.",
                    parameters: [.required("prefix", "the text to test")], example: "\"task-1\".startswith(\"task\")") { args in
                .bool(string.hasPrefix(try args.string("prefix")))
            },
            Builtin("string.endswith", summary: "Whether the string ends with suffix.",
                    parameters: [.required("suffix", "the text to test")], example: "\"run.flnb\".endswith(\".flnb\")") { args in
                .bool(string.hasSuffix(try args.string("suffix")))
            },
            Builtin("string.contains", summary: "Whether the string contains part.",
                    parameters: [.required("part", "the text to look for")], example: "\"lwf_mc\".contains(\"mc\")") { args in
                let part = try args.string("part")
                return .bool(part.isEmpty || string.contains(part))
            },
            Builtin("string.replace", summary: "The string with every occurrence of old replaced by new.",
                    parameters: [.required("old", "the text to replace"), .required("new", "its replacement")],
                    example: "\"a-b\".replace(\"-\", \"_\")   # \"a_b\"") { args in
                let old = try args.string("old"), new = try args.string("new")
                guard !old.isEmpty else { return .string(string) }
                let occurrences = string.components(separatedBy: old).count - 1
                try checkSize(string.unicodeScalars.count + occurrences * new.unicodeScalars.count, args.interpreter)
                return .string(string.replacingOccurrences(of: old, with: new))
            },
            Builtin("string.format", summary: "Fills {} placeholders with the values: {}, {0}, {:.3f}, {1:>8}, {:.1%}.",
                    parameters: [.variadic("values", "the values, in placeholder order")],
                    example: "\"acc {:.2f} after {} epochs\".format(0.9312, 4)   # \"acc 0.93 after 4 epochs\"") { args in
                .string(try StringFormat.format(string, args.rest))
            },
        ]
    }
}
