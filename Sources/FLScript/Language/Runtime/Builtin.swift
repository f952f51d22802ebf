import Foundation

extension Builtin {
    /// One parameter: its name, default (nil when required) and a short doc. Build them with
    /// `.required("bench", "the benchmark")`, `.optional("lr", default: 0.1, "learning rate")`
    /// and `.variadic("values", "the values to print")`.
    public struct Parameter {
        public var name: String
        /// The value used when the caller leaves the argument out; nil makes the parameter
        /// required. (For an optional parameter that defaults to the script's nil, use `.null`.)
        public var defaultValue: Value?
        public var doc: String
        /// Collects all remaining positional arguments (`print(values...)`); parameters after
        /// it can only be passed by name.
        public var isVariadic: Bool

        /// A parameter; prefer the `.required`, `.optional` and `.variadic` shorthands.
        public init(_ name: String, default defaultValue: Value? = nil, _ doc: String = "", isVariadic: Bool = false) {
            self.name = name
            self.defaultValue = defaultValue
            self.doc = doc
            self.isVariadic = isVariadic
        }

        /// A parameter the caller must give.
        public static func required(_ name: String, _ doc: String = "") -> Parameter {
            Parameter(name, default: nil, doc)
        }

        /// A parameter with a default value.
        public static func optional(_ name: String, default defaultValue: Value, _ doc: String = "") -> Parameter {
            Parameter(name, default: defaultValue, doc)
        }

        /// A parameter collecting the remaining positional arguments.
        public static func variadic(_ name: String, _ doc: String = "") -> Parameter {
            Parameter(name, default: nil, doc, isVariadic: true)
        }
    }
}

/// The arguments a callable accepts, and the rules matching a call's arguments to them:
/// positional arguments first, in order; then named ones, each naming a parameter once.
public struct Signature {
    public var name: String
    public var parameters: [Builtin.Parameter]

    /// The signature of a callable named `name` (used in error messages and help).
    public init(name: String, parameters: [Builtin.Parameter]) {
        self.name = name
        self.parameters = parameters
    }

    /// `name(a, b: 2, rest...)`, as help shows it.
    public var display: String {
        let parts = parameters.map { parameter -> String in
            if parameter.isVariadic { return parameter.name + "..." }
            guard let value = parameter.defaultValue else { return parameter.name }
            return "\(parameter.name): \(value.repr)"
        }
        return "\(name)(\(parts.joined(separator: ", ")))"
    }

    /// Matches `arguments` to the parameters, filling defaults.
    /// - Throws: `ArgumentError` for too many, unknown, duplicate or missing arguments.
    public func resolve(_ arguments: [LabeledValue], interpreter: Interpreter) throws -> CallArguments {
        let binding = try ArgumentBinder.bind(arguments, names: parameters.map(\.name),
                                              hasDefault: parameters.map { $0.defaultValue != nil },
                                              variadic: parameters.firstIndex(where: \.isVariadic),
                                              callee: name)
        var values: [Value] = []
        for (index, slot) in binding.slots.enumerated() {
            values.append(slot ?? parameters[index].defaultValue ?? .null)
        }
        return CallArguments(signature: self, values: values, rest: binding.rest,
                         sources: binding.sources, interpreter: interpreter)
    }
}

/// A mismatch between a call's arguments and the callee's parameters. `argument` is the
/// index of the offending argument in the call (nil: the call as a whole).
public struct ArgumentError: Error, CustomStringConvertible {
    public var message: String
    public var argument: Int?
    /// Whether the error is about the argument's label rather than its value.
    public var onLabel: Bool

    public var description: String { message }
}

/// The positional/named matching shared by builtins, objects and script functions.
enum ArgumentBinder {
    struct Binding {
        /// One slot per parameter (the variadic one stays nil); nil where the default applies.
        var slots: [Value?]
        var rest: [Value]
        /// For each parameter, the index of the argument that supplied it.
        var sources: [Int?]
    }

    static func bind(_ arguments: [LabeledValue], names: [String], hasDefault: [Bool],
                     variadic: Int?, callee: String) throws -> Binding {
        var binding = Binding(slots: Array(repeating: nil, count: names.count), rest: [],
                              sources: Array(repeating: nil, count: names.count))
        let positionalLimit = variadic ?? names.count
        var position = 0
        for (index, argument) in arguments.enumerated() {
            if let label = argument.label {
                guard let slot = names.firstIndex(of: label), slot != variadic else {
                    let candidates = names.enumerated().filter { $0.offset != variadic }.map(\.element)
                    throw ArgumentError(message: "unknown argument '\(label)' to \(callee)()"
                                            + Suggestions.didYouMean(label, in: candidates),
                                        argument: index, onLabel: true)
                }
                if binding.sources[slot] != nil {
                    let how = slot < position ? ": it is already given by position" : ""
                    throw ArgumentError(message: "duplicate argument '\(label)' to \(callee)()\(how)",
                                        argument: index, onLabel: true)
                }
                binding.slots[slot] = argument.value
                binding.sources[slot] = index
            } else if position < positionalLimit {
                binding.slots[position] = argument.value
                binding.sources[position] = index
                position += 1
            } else if variadic != nil {
                binding.rest.append(argument.value)
            } else {
                let count = arguments.filter { $0.label == nil }.count
                let takes = names.isEmpty ? "no arguments" : names.count == 1 ? "1 argument" : "\(names.count) arguments"
                throw ArgumentError(message: "\(callee)() takes \(takes), got \(count)", argument: index, onLabel: false)
            }
        }
        let missing = names.indices.filter { $0 != variadic && binding.sources[$0] == nil && !hasDefault[$0] }
        if !missing.isEmpty {
            let list = missing.map { "'\(names[$0])'" }.joined(separator: ", ")
            throw ArgumentError(message: "missing argument\(missing.count > 1 ? "s" : "") \(list) to \(callee)()",
                                argument: nil, onLabel: false)
        }
        return binding
    }
}

/// The arguments of one call, matched to the callee's parameters, with typed accessors that
/// report mistakes as "lr: expected a number, got string".
public struct CallArguments {
    public let signature: Signature
    /// One value per parameter, in order (defaults filled in; the variadic parameter's slot is nil).
    public let values: [Value]
    /// The arguments collected by the variadic parameter.
    public let rest: [Value]
    let sources: [Int?]
    /// The interpreter running the call, for builtins that call back into script code or print.
    public let interpreter: Interpreter

    /// The value of parameter `name` (a programming error if there is no such parameter).
    public subscript(_ name: String) -> Value {
        guard let index = signature.parameters.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("\(signature.name)() has no parameter '\(name)'")
        }
        return values[index]
    }

    /// Whether the caller passed `name` explicitly.
    public func isGiven(_ name: String) -> Bool {
        guard let index = signature.parameters.firstIndex(where: { $0.name == name }) else { return false }
        return sources[index] != nil
    }

    func typeError(_ name: String, _ expected: String, _ value: Value) -> ScriptError {
        ScriptError("\(name): expected \(expected), got \(value.typeName)", argument: name)
    }

    /// The argument for `name` as a number, or "name: expected a number, got …".
    public func number(_ name: String) throws -> Double {
        let value = self[name]
        guard case .number(let number) = value else { throw typeError(name, "a number", value) }
        return number
    }

    /// A whole number in the exactly representable range (±2^53).
    public func int(_ name: String) throws -> Int {
        let value = self[name]
        guard case .number(let number) = value else { throw typeError(name, "an integer", value) }
        guard let int = Value.exactInt(number) else {
            throw ScriptError("\(name): expected an integer, got \(Value.formatNumber(number))", argument: name)
        }
        return int
    }

    /// The argument for `name` as a string.
    public func string(_ name: String) throws -> String {
        let value = self[name]
        guard case .string(let string) = value else { throw typeError(name, "a string", value) }
        return string
    }

    /// The argument for `name` as a bool.
    public func bool(_ name: String) throws -> Bool {
        let value = self[name]
        guard case .bool(let bool) = value else { throw typeError(name, "a bool", value) }
        return bool
    }

    /// The argument for `name` as a list (shared, not copied).
    public func list(_ name: String) throws -> ScriptList {
        let value = self[name]
        guard case .list(let list) = value else { throw typeError(name, "a list", value) }
        return list
    }

    /// The argument for `name` as a dict (shared, not copied).
    public func dict(_ name: String) throws -> ScriptDict {
        let value = self[name]
        guard case .dict(let dict) = value else { throw typeError(name, "a dict", value) }
        return dict
    }

    /// An object of type `T`, described as `expected` in the error ("a tensor").
    public func object<T>(_ name: String, as type: T.Type, _ expected: String) throws -> T {
        let value = self[name]
        guard case .object(let object) = value, let typed = object as? T else { throw typeError(name, expected, value) }
        return typed
    }

    /// nil when the argument is the script's nil.
    public func optionalNumber(_ name: String) throws -> Double? {
        self[name].isNull ? nil : try number(name)
    }

    /// nil when the argument is the script's nil; otherwise a whole number.
    public func optionalInt(_ name: String) throws -> Int? {
        self[name].isNull ? nil : try int(name)
    }

    /// nil when the argument is the script's nil; otherwise a string.
    public func optionalString(_ name: String) throws -> String? {
        self[name].isNull ? nil : try string(name)
    }
}

/// A function implemented in Swift, described well enough for help, completion and
/// argument checking: name, one-line summary, parameters with defaults and docs, an example.
///
///     interpreter.define(Builtin("lerp", summary: "Linear interpolation between a and b.",
///                                parameters: [.required("a"), .required("b"), .optional("t", default: 0.5, "weight of b")],
///                                example: "lerp(0, 10, t: 0.25)   # 2.5") { args in
///         let a = try args.number("a"), b = try args.number("b")
///         return .number(a + (b - a) * (try args.number("t")))
///     })
public final class Builtin {
    public let signature: Signature
    public let summary: String
    public let example: String
    let body: (CallArguments) throws -> Value

    /// A builtin; `body` receives the arguments matched to `parameters` and may throw any
    /// error (a `ScriptError` reads best), which becomes a diagnostic at the call.
    public init(_ name: String, summary: String, parameters: [Parameter] = [], example: String = "",
                body: @escaping (CallArguments) throws -> Value) {
        self.signature = Signature(name: name, parameters: parameters)
        self.summary = summary
        self.example = example
        self.body = body
    }

    public var name: String { signature.name }
}
