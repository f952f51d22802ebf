import Foundation

/// A script value.
///
/// Lists and dicts are references (like Python): `b = a; b.append(1)` changes `a` too.
/// Objects from the numeric modules (tensors, benchmarks, experiments…) are `.object`s
/// implementing `ScriptObject`.
public enum Value {
    case number(Double)
    case bool(Bool)
    case string(String)
    case list(ScriptList)
    case dict(ScriptDict)
    case range(ScriptRange)
    /// The script's `nil`.
    case null
    /// A function written in the script (a closure over its environment).
    case function(ScriptFunction)
    /// A function implemented in Swift, or a method bound to its receiver.
    case builtin(Builtin)
    case object(any ScriptObject)

    /// A number value.
    public init(_ number: Double) { self = .number(number) }
    /// A number value from an integer.
    public init(_ number: Int) { self = .number(Double(number)) }
    /// A string value.
    public init(_ string: String) { self = .string(string) }
    /// A bool value.
    public init(_ bool: Bool) { self = .bool(bool) }
    /// A new list holding `items`.
    public init(_ items: [Value]) { self = .list(ScriptList(items)) }
    /// A new dict with string keys, in the given order.
    public init(_ entries: KeyValuePairs<String, Value>) {
        let dict = ScriptDict()
        for (key, value) in entries { dict[.string(key)] = value }
        self = .dict(dict)
    }

    /// The name `type(x)` returns and errors use: "number", "list", or the object's type name.
    public var typeName: String {
        switch self {
        case .number: return "number"
        case .bool: return "bool"
        case .string: return "string"
        case .list: return "list"
        case .dict: return "dict"
        case .range: return "range"
        case .null: return "nil"
        case .function: return "function"
        case .builtin: return "builtin"
        case .object(let object): return object.typeName
        }
    }

    /// Whether this is the script's nil.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The payload when the value is a number (likewise `asString`, `asBool`, `asList`, `asObject`).
    public var asNumber: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    public var asString: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    public var asBool: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    public var asList: ScriptList? {
        if case .list(let list) = self { return list }
        return nil
    }

    public var asObject: (any ScriptObject)? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// Truthiness for `if`, `while`, `and`, `or`, `not`: nil, false, 0, "" and empty
    /// collections are false; everything else is true.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let bool): return bool
        case .number(let number): return number != 0 && !number.isNaN
        case .string(let string): return !string.isEmpty
        case .list(let list): return !list.items.isEmpty
        case .dict(let dict): return dict.count > 0
        case .range(let range): return range.count > 0
        default: return true
        }
    }

    /// How deeply lists and dicts nest inside this value (0 for anything else).
    var nestingDepth: Int {
        switch self {
        case .list(let list): return list.nestingDepth
        case .dict(let dict): return dict.nestingDepth
        default: return 0
        }
    }
}

/// The storage of a list value, shared by every variable holding the list.
public final class ScriptList {
    /// The elements; mutate them in place to change the list for everyone holding it.
    public var items: [Value]
    /// An upper bound of 1 + the deepest nested list or dict, kept by the interpreter's
    /// insertions: it refuses to nest deeper than a limit because freeing a very deep chain
    /// of lists recurses.
    public private(set) var nestingDepth: Int

    /// A new list holding `items`.
    public init(_ items: [Value] = []) {
        self.items = items
        self.nestingDepth = ScriptList.depth(of: items)
    }

    /// Appends, keeping `nestingDepth` up to date.
    func append(_ value: Value) {
        items.append(value)
        noteStored(value)
    }

    /// Records that `value` is now an element.
    func noteStored(_ value: Value) {
        nestingDepth = max(nestingDepth, value.nestingDepth + 1)
    }

    static func depth(of items: [Value]) -> Int {
        1 + items.reduce(0) { max($0, $1.nestingDepth) }
    }
}

/// A dict key: dicts are keyed by strings or numbers.
public enum DictKey: Hashable, Sendable {
    case string(String)
    case number(Double)

    /// The key as a script value.
    public var value: Value {
        switch self {
        case .string(let string): return .string(string)
        case .number(let number): return .number(number)
        }
    }
}

/// The storage of a dict value: insertion-ordered, shared by every variable holding it.
public final class ScriptDict {
    /// The keys in insertion order.
    public private(set) var keys: [DictKey] = []
    private var storage: [DictKey: Value] = [:]
    public private(set) var nestingDepth = 1

    /// A new, empty dict.
    public init() {}

    /// The number of entries.
    public var count: Int { keys.count }

    /// Reads, inserts (at the end), replaces (in place) or, with nil, removes an entry.
    public subscript(key: DictKey) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
                nestingDepth = max(nestingDepth, newValue.nestingDepth + 1)
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// The entries in insertion order.
    public var entries: [(key: DictKey, value: Value)] {
        keys.map { ($0, storage[$0]!) }
    }
}

/// A range of numbers: `a..<b`, `a...b`, or `range(start, stop, step)`.
public struct ScriptRange {
    public var start: Double
    public var end: Double
    public var step: Double
    public var inclusive: Bool

    /// `start..<end` (or `start...end` when inclusive), counting by `step` (never 0).
    public init(start: Double, end: Double, step: Double = 1, inclusive: Bool = false) {
        self.start = start
        self.end = end
        self.step = step
        self.inclusive = inclusive
    }

    /// The number of elements, capped at `Int.max / 2` for huge or infinite ranges.
    public var count: Int {
        guard step != 0, start.isFinite, end.isFinite, step.isFinite else { return 0 }
        let span = (end - start) / step
        guard span.isFinite else { return Int.max / 2 }
        // A small tolerance keeps `0...1` with step 0.1 from losing its last element to rounding.
        let n = inclusive ? (span + 1e-9).rounded(.down) + 1 : (span - 1e-9).rounded(.up)
        return n <= 0 ? 0 : n >= Double(Int.max / 2) ? Int.max / 2 : Int(n)
    }

    /// The element at position `index` (not bounds-checked).
    public func element(_ index: Int) -> Double {
        start + Double(index) * step
    }
}

/// A function written in the script, with the environment it closes over.
public final class ScriptFunction {
    let declaration: FunctionDecl
    let closure: Environment
    /// The source the function was written in, for diagnostics inside its body.
    let source: SourceFile

    init(declaration: FunctionDecl, closure: Environment, source: SourceFile) {
        self.declaration = declaration
        self.closure = closure
        self.source = source
    }

    /// The function's name, or "<anonymous>".
    public var name: String { declaration.name ?? "<anonymous>" }

    /// The parameter names in order.
    public var parameterNames: [String] { declaration.parameters.map(\.name) }
}
