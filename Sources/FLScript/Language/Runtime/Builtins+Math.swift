import Foundation

extension CoreLibrary {
    static var math: [Builtin] {
        let unary: [(String, String, String, (Double) -> Double)] = [
            ("abs", "The absolute value.", "abs(-2)   # 2", { Swift.abs($0) }),
            ("floor", "The largest whole number ≤ x.", "floor(2.7)   # 2", { $0.rounded(.down) }),
            ("ceil", "The smallest whole number ≥ x.", "ceil(2.1)   # 3", { $0.rounded(.up) }),
            ("sqrt", "The square root.", "sqrt(16)   # 4", { $0.squareRoot() }),
            ("exp", "e raised to x.", "exp(0)   # 1", { Foundation.exp($0) }),
        ]
        var builtins = unary.map { name, summary, example, function in
            Builtin(name, summary: summary, parameters: [.required("x", "a number")], example: example) { args in
                .number(function(try args.number("x")))
            }
        }
        builtins += [
            Builtin("log", summary: "The natural logarithm, or the logarithm in base.",
                    parameters: [.required("x", "a number"), .optional("base", default: .null, "the base; e when left out")],
                    example: "log(8, base: 2)   # 3") { args in
                let x = try args.number("x")
                guard let base = try args.optionalNumber("base") else { return .number(Foundation.log(x)) }
                return .number(Foundation.log(x) / Foundation.log(base))
            },
            Builtin("round", summary: "x rounded to digits decimal places (halves away from zero).",
                    parameters: [.required("x", "a number"), .optional("digits", default: 0, "decimal places, -15…15")],
                    example: "round(0.91234, 2)   # 0.91") { args in
                let x = try args.number("x"), digits = try args.int("digits")
                guard (-15...15).contains(digits) else { throw ScriptError("digits: expected -15…15, got \(digits)", argument: "digits") }
                let scale = Foundation.pow(10, Double(digits))
                let rounded = (x * scale).rounded(.toNearestOrAwayFromZero) / scale
                return .number(rounded.isFinite ? rounded : x)
            },
            Builtin("min", summary: "The smallest of the values, or of one list's elements.",
                    parameters: [.variadic("values", "numbers or strings, or a single list")],
                    example: "min(3, 1, 2)   # 1") { args in
                try extreme(args, name: "min") { $0 < 0 }
            },
            Builtin("max", summary: "The largest of the values, or of one list's elements.",
                    parameters: [.variadic("values", "numbers or strings, or a single list")],
                    example: "max([0.91, 0.87])   # 0.91") { args in
                try extreme(args, name: "max") { $0 > 0 }
            },
            Builtin("sum", summary: "start plus every element (anything '+' adds: numbers, tensors…).",
                    parameters: [.required("values", "the elements"), .optional("start", default: 0, "the value to add to")],
                    example: "sum([1, 2, 3])   # 6") { args in
                let interpreter = args.interpreter
                let range = site(args)
                return try interpreter.elements(of: args["values"]).reduce(args["start"]) {
                    try interpreter.binary(.add, $0, $1, at: range)
                }
            },
        ]
        return builtins
    }

    /// min/max: over the arguments, or over the elements of a single sequence argument.
    private static func extreme(_ args: CallArguments, name: String, better: (Int) -> Bool) throws -> Value {
        let interpreter = args.interpreter
        var items = args.rest
        if items.count == 1 {
            switch items[0] {
            case .list, .range, .dict, .object: items = try interpreter.elements(of: items[0])
            default: break
            }
        }
        guard var best = items.first else { throw ScriptError("\(name)() of an empty sequence") }
        let range = site(args)
        for item in items.dropFirst() where better(try interpreter.compare(item, best, .less, at: range)) {
            best = item
        }
        return best
    }
}
