import Foundation

/// The builtins every interpreter starts with. Modules add theirs with `Interpreter.define`.
enum CoreLibrary {
    static func builtins() -> [Builtin] {
        output + conversions + collections + math + functional
    }

    /// The range of the call being run, for interpreter checks made from builtin bodies.
    static func site(_ args: CallArguments) -> SourceRange {
        args.interpreter.callSiteRange ?? SourceRange(at: SourceLocation(line: 1, column: 1))
    }

    static var output: [Builtin] {
        [
            Builtin("print", summary: "Writes the values' text, separated by sep and followed by end.",
                    parameters: [.variadic("values", "the values to print"),
                                 .optional("sep", default: " ", "text between values"),
                                 .optional("end", default: "\n", "text after the last value")],
                    example: "print(\"acc\", 0.93, sep: \": \")   # acc: 0.93") { args in
                let sep = try args.string("sep"), end = try args.string("end")
                args.interpreter.write(args.rest.map(\.text).joined(separator: sep) + end)
                return .null
            },
            Builtin("warn", summary: "Writes the values' text as one line to standard error (a notebook records it with the output).",
                    parameters: [.variadic("values", "the values to write"),
                                 .optional("sep", default: " ", "text between values")],
                    example: "warn(\"lr\", lr, \"looks high\")   # lr 5 looks high, on stderr") { args in
                let sep = try args.string("sep")
                args.interpreter.writeError(args.rest.map(\.text).joined(separator: sep) + "\n")
                return .null
            },
            Builtin("help", summary: "Shows what a value is: a builtin's parameters and example, an object's members.",
                    parameters: [.optional("subject", default: .null, "the value to explain; leave out for an overview")],
                    example: "help(print)   # or ?print") { args in
                let interpreter = args.interpreter
                let subject: Value? = args.isGiven("subject") ? args["subject"] : nil
                interpreter.write(interpreter.helpText(for: subject) + "\n")
                return .null
            },
            Builtin("assert", summary: "Fails with message unless condition is true.",
                    parameters: [.required("condition", "the value that must be true"),
                                 .optional("message", default: "", "what the failure says")],
                    example: "assert(len(l) == 3, \"expected 3 tasks\")") { args in
                guard args["condition"].isTruthy else {
                    let message = try args.string("message")
                    throw ScriptError(message.isEmpty ? "assertion failed" : "assertion failed: \(message)")
                }
                return .null
            },
            Builtin("type", summary: "The name of a value's type: number, string, list, dict, … or an object's type.",
                    parameters: [.required("value", "any value")], example: "type([1])   # \"list\"") { args in
                .string(args["value"].typeName)
            },
            Builtin("format", summary: "A value formatted by a spec such as \".3f\", \">8\", \".1%\", \"e\".",
                    parameters: [.required("value", "the value"), .optional("spec", default: "", "[[fill]align][width][.precision][type]")],
                    example: "format(0.91234, \".2f\")   # \"0.91\"") { args in
                .string(try StringFormat.apply(try args.string("spec"), to: args["value"]))
            },
        ]
    }

    static var conversions: [Builtin] {
        [
            Builtin("str", summary: "The value as text (what print shows).",
                    parameters: [.required("value", "any value")], example: "str(0.5) + \"%\"   # \"0.5%\"") { args in
                .string(args["value"].text)
            },
            Builtin("repr", summary: "The value as the REPL echoes it (strings quoted).",
                    parameters: [.required("value", "any value")], example: "repr(\"a\")   # \"\\\"a\\\"\"") { args in
                .string(args["value"].repr)
            },
            Builtin("int", summary: "A whole number: numbers truncate toward zero, strings must spell an integer.",
                    parameters: [.required("value", "a number, string or bool")], example: "int(3.7)   # 3") { args in
                switch args["value"] {
                case .number(let number):
                    guard number.isFinite else { throw ScriptError("cannot convert \(Value.formatNumber(number)) to an integer") }
                    return .number(number.rounded(.towardZero))
                case .bool(let bool): return .number(bool ? 1 : 0)
                case .string(let string):
                    guard let int = Int(string.trimmingCharacters(in: .whitespaces)), Value.exactInt(Double(int)) != nil else {
                        throw ScriptError("cannot convert \(Value.quote(string)) to an integer", argument: "value")
                    }
                    return .number(Double(int))
                case let other: throw ScriptError("value: expected a number, string or bool, got \(other.typeName)", argument: "value")
                }
            },
            Builtin("float", summary: "A number from a number, a numeric string or a bool.",
                    parameters: [.required("value", "a number, string or bool")], example: "float(\"1e-3\")   # 0.001") { args in
                switch args["value"] {
                case .number(let number): return .number(number)
                case .bool(let bool): return .number(bool ? 1 : 0)
                case .string(let string):
                    guard let number = Double(string.trimmingCharacters(in: .whitespaces)) else {
                        throw ScriptError("cannot convert \(Value.quote(string)) to a number", argument: "value")
                    }
                    return .number(number)
                case let other: throw ScriptError("value: expected a number, string or bool, got \(other.typeName)", argument: "value")
                }
            },
        ]
    }

    static var collections: [Builtin] {
        [
            Builtin("len", summary: "The number of elements of a list, dict, range or string (or an object's length).",
                    parameters: [.required("value", "a list, dict, range, string or sized object")], example: "len([1, 2])   # 2") { args in
                switch args["value"] {
                case .list(let list): return Value(list.items.count)
                case .dict(let dict): return Value(dict.count)
                case .range(let range): return Value(range.count)
                case .string(let string): return Value(string.count)
                case .object(let object):
                    guard let length = object.length else { throw ScriptError("\(object.typeName) has no length") }
                    return Value(length)
                case let other: throw ScriptError("\(other.typeName) has no length", argument: "value")
                }
            },
            Builtin("range", summary: "The numbers from start up to (not including) stop, by step; range(n) is 0..<n.",
                    parameters: [.required("start", "the first number (or, alone, the stop)"),
                                 .optional("stop", default: .null, "the bound, not included"),
                                 .optional("step", default: 1, "the increment; may be negative")],
                    example: "list(range(0, 10, 3))   # [0, 3, 6, 9]") { args in
                let first = try args.number("start")
                let step = try args.number("step")
                guard step != 0 else { throw ScriptError("range step cannot be zero", argument: "step") }
                guard let stop = try args.optionalNumber("stop") else { return .range(ScriptRange(start: 0, end: first)) }
                return .range(ScriptRange(start: first, end: stop, step: step))
            },
            Builtin("list", summary: "A new list of the elements of a list, range, string, dict (its keys) or iterable object.",
                    parameters: [.optional("values", default: [], "the elements")], example: "list(0..<3)   # [0, 1, 2]") { args in
                .list(ScriptList(try args.interpreter.elements(of: args["values"])))
            },
            Builtin("keys", summary: "A dict's keys, in insertion order.",
                    parameters: [.required("dict", "a dict")], example: "keys({\"a\": 1})   # [\"a\"]") { args in
                .list(ScriptList(try args.dict("dict").keys.map(\.value)))
            },
            Builtin("values", summary: "A dict's values, in insertion order.",
                    parameters: [.required("dict", "a dict")], example: "values({\"a\": 1})   # [1]") { args in
                .list(ScriptList(try args.dict("dict").entries.map(\.value)))
            },
            Builtin("append", summary: "Adds value at the end of list (same as list.append(value)).",
                    parameters: [.required("list", "the list to change"), .required("value", "the value to add")],
                    example: "append(l, 4)") { args in
                let list = try args.list("list")
                try Methods.checkStorable(args["value"], args.interpreter)
                try Methods.checkSize(list.items.count + 1, args.interpreter)
                list.append(args["value"])
                return .null
            },
            Builtin("sorted", summary: "A new list of the elements in increasing order (numbers or strings).",
                    parameters: [.required("values", "the elements"),
                                 .optional("key", default: .null, "a function giving each element's sort key"),
                                 .optional("reverse", default: false, "sort in decreasing order")],
                    example: "sorted(runs, key: fn (r) { r.acc }, reverse: true)") { args in
                let interpreter = args.interpreter
                let items = try interpreter.elements(of: args["values"])
                let key = args["key"]
                let keys = try key.isNull ? items : items.map { try interpreter.call(key, [$0]) }
                let reverse = try args.bool("reverse")
                let range = site(args)
                var order = Array(keys.indices)
                // Stable: ties keep their original order.
                try order.sort { a, b in
                    let c = try interpreter.compare(keys[a], keys[b], .less, at: range)
                    return c == 0 ? a < b : (reverse ? c > 0 : c < 0)
                }
                return .list(ScriptList(order.map { items[$0] }))
            },
            Builtin("enumerate", summary: "[index, element] pairs: for i, x in enumerate(l) { … }.",
                    parameters: [.required("values", "the elements"), .optional("start", default: 0, "the first index")],
                    example: "enumerate([\"a\", \"b\"])   # [[0, \"a\"], [1, \"b\"]]") { args in
                let start = try args.number("start")
                let items = try args.interpreter.elements(of: args["values"])
                return .list(ScriptList(items.enumerated().map { .list(ScriptList([.number(start + Double($0.offset)), $0.element])) }))
            },
            Builtin("zip", summary: "Lists of corresponding elements, as long as the shortest input.",
                    parameters: [.variadic("sequences", "lists, ranges or strings")],
                    example: "zip([1, 2], [\"a\", \"b\"])   # [[1, \"a\"], [2, \"b\"]]") { args in
                let sequences = try args.rest.map { try args.interpreter.elements(of: $0) }
                let count = sequences.map(\.count).min() ?? 0
                return .list(ScriptList((0..<count).map { i in .list(ScriptList(sequences.map { $0[i] })) }))
            },
        ]
    }

    static var functional: [Builtin] {
        [
            Builtin("map", summary: "A new list of function(x) for each element x.",
                    parameters: [.required("function", "called with each element"), .required("values", "the elements")],
                    example: "map(fn (x) { x * 2 }, [1, 2])   # [2, 4]") { args in
                let interpreter = args.interpreter
                let items = try interpreter.elements(of: args["values"])
                return .list(ScriptList(try items.map { try interpreter.call(args["function"], [$0]) }))
            },
            Builtin("filter", summary: "A new list of the elements for which function(x) is true.",
                    parameters: [.required("function", "called with each element"), .required("values", "the elements")],
                    example: "filter(fn (x) { x > 1 }, [1, 2, 3])   # [2, 3]") { args in
                let interpreter = args.interpreter
                let items = try interpreter.elements(of: args["values"])
                return .list(ScriptList(try items.filter { try interpreter.call(args["function"], [$0]).isTruthy }))
            },
        ]
    }
}
