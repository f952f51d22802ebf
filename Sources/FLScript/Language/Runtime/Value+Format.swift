import Foundation

/// How values print: `text` is what `print` and `str` show (strings bare), `repr` what the
/// REPL echoes and containers show for their elements (strings quoted).
extension Value: CustomStringConvertible {
    /// Containers nest deeper than this print as `[...]`.
    static let maxPrintDepth = 64

    public var description: String { repr }

    /// The echo form: strings quoted, numbers without a needless ".0".
    public var repr: String {
        var seen = Set<ObjectIdentifier>()
        return Value.format(self, quoted: true, depth: 0, seen: &seen)
    }

    /// The `print`/`str` form: strings as they are, everything else as `repr`.
    public var text: String {
        if case .string(let string) = self { return string }
        return repr
    }

    /// 3 → "3", 0.5 → "0.5", 1e-05 → "1e-05", infinity → "inf".
    public static func formatNumber(_ number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        if number == number.rounded(), abs(number) < 1e16 { return String(Int64(number)) }
        return "\(number)"
    }

    /// The integer equal to `number`, if it is whole and exactly representable (|n| ≤ 2^53).
    public static func exactInt(_ number: Double) -> Int? {
        guard number == number.rounded(), abs(number) <= 9_007_199_254_740_992 else { return nil }
        return Int(number)
    }

    /// A string literal that reads back as `string`.
    public static func quote(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    private static func format(_ value: Value, quoted: Bool, depth: Int, seen: inout Set<ObjectIdentifier>) -> String {
        switch value {
        case .number(let number): return formatNumber(number)
        case .bool(let bool): return bool ? "true" : "false"
        case .string(let string): return quoted ? quote(string) : string
        case .null: return "nil"
        case .range(let range): return formatRange(range)
        case .function(let function):
            return "<fn \(function.name)(\(function.parameterNames.joined(separator: ", ")))>"
        case .builtin(let builtin): return "<builtin \(builtin.name)>"
        case .object(let object): return object.description
        case .list(let list):
            let id = ObjectIdentifier(list)
            if depth >= maxPrintDepth || seen.contains(id) { return "[...]" }
            seen.insert(id)
            defer { seen.remove(id) }
            let items = list.items.map { format($0, quoted: true, depth: depth + 1, seen: &seen) }
            return "[" + items.joined(separator: ", ") + "]"
        case .dict(let dict):
            let id = ObjectIdentifier(dict)
            if depth >= maxPrintDepth || seen.contains(id) { return "{...}" }
            seen.insert(id)
            defer { seen.remove(id) }
            let entries = dict.entries.map { entry in
                format(entry.key.value, quoted: true, depth: depth + 1, seen: &seen) + ": "
                    + format(entry.value, quoted: true, depth: depth + 1, seen: &seen)
            }
            return "{" + entries.joined(separator: ", ") + "}"
        }
    }

    private static func formatRange(_ range: ScriptRange) -> String {
        let start = formatNumber(range.start), end = formatNumber(range.end)
        if range.step != 1 { return "range(\(start), \(end), \(formatNumber(range.step)))" }
        return start + (range.inclusive ? "..." : "..<") + end
    }
}

/// Literals for Swift code that builds values: `.optional("lr", default: 0.1)`.
extension Value: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral {
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Value...) { self = .list(ScriptList(elements)) }
}
