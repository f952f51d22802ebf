import Foundation

/// Python-style format specs, a small subset: `[[fill]align][sign][0][width][.precision][type]`
/// with align `<` `>` `^` and type `f` `e` `g` `d` `%` `s`.
enum StringFormat {
    /// Fills `{}`, `{1}`, `{:.3f}`, `{0:>8}` in `template`; `{{` and `}}` are literal braces.
    static func format(_ template: String, _ values: [Value]) throws -> String {
        var result = ""
        var characters = template.makeIterator()
        var nextAuto = 0
        while let character = characters.next() {
            if character == "}" {
                guard characters.next() == "}" else { throw ScriptError("single '}' in format string; write '}}' for a brace") }
                result.append("}")
                continue
            }
            guard character == "{" else {
                result.append(character)
                continue
            }
            var field = ""
            var closed = false
            while let next = characters.next() {
                if next == "{" && field.isEmpty {
                    break
                }
                if next == "}" {
                    closed = true
                    break
                }
                field.append(next)
            }
            if !closed && field.isEmpty {
                result.append("{")  // "{{"
                continue
            }
            guard closed else { throw ScriptError("unclosed '{' in format string") }
            let parts = field.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let indexText = parts.first.map(String.init) ?? ""
            let spec = parts.count > 1 ? String(parts[1]) : ""
            let index: Int
            if indexText.isEmpty {
                index = nextAuto
                nextAuto += 1
            } else if let explicit = Int(indexText) {
                index = explicit
            } else {
                throw ScriptError("format placeholders are {} or {N}, got {\(indexText)}")
            }
            guard values.indices.contains(index) else {
                throw ScriptError("format string needs value \(index), but only \(values.count) given")
            }
            result += try apply(spec, to: values[index])
        }
        return result
    }

    /// One value formatted by one spec ("" gives the value's text).
    static func apply(_ spec: String, to value: Value) throws -> String {
        var scalars = Array(spec)
        var fill: Character = " "
        var align: Character?
        if scalars.count >= 2, "<>^".contains(scalars[1]) {
            fill = scalars[0]
            align = scalars[1]
            scalars.removeFirst(2)
        } else if let first = scalars.first, "<>^".contains(first) {
            align = first
            scalars.removeFirst()
        }
        // `+` shows the sign of positive numbers too (differences, gains).
        var plusSign = false
        if scalars.first == "+" {
            plusSign = true
            scalars.removeFirst()
        }
        // `07` pads numbers with zeros after the sign, as in Python.
        var zeroPad = false
        if align == nil, scalars.first == "0" {
            zeroPad = true
            scalars.removeFirst()
        }
        var widthText = ""
        while let first = scalars.first, first.isASCII, first.isNumber {
            widthText.append(first)
            scalars.removeFirst()
        }
        var precision: Int?
        if scalars.first == "." {
            scalars.removeFirst()
            var digits = ""
            while let first = scalars.first, first.isASCII, first.isNumber {
                digits.append(first)
                scalars.removeFirst()
            }
            guard let parsed = Int(digits), parsed <= 50 else { throw ScriptError("format precision must be 0…50 in '\(spec)'") }
            precision = parsed
        }
        let type = scalars.first
        guard scalars.count <= 1, type.map({ "fegd%s".contains($0) }) ?? true else {
            throw ScriptError("unknown format spec '\(spec)'")
        }
        guard let width = widthText.isEmpty ? 0 : Int(widthText), width <= 1000 else {
            throw ScriptError("format width must be at most 1000 in '\(spec)'")
        }
        let body: String
        var isNumber = false
        switch value {
        case .number(let number):
            isNumber = true
            var text = try formatNumber(number, type: type, precision: precision, spec: spec)
            // A value that rounds to zero prints without a minus sign ("-0.00" reads as a loss).
            if text.hasPrefix("-"), text.dropFirst().allSatisfy({ "0.e+-%".contains($0) }) { text.removeFirst() }
            if plusSign && !text.hasPrefix("-") { text = "+" + text }
            body = text
        default:
            guard type == nil || type == "s" else {
                throw ScriptError("format spec '\(spec)' needs a number, got \(value.typeName)")
            }
            let text = value.text
            body = precision.map { String(text.prefix($0)) } ?? text
        }
        let padding = max(0, width - body.count)
        if zeroPad && isNumber {
            let sign = body.hasPrefix("-") ? "-" : ""
            return sign + String(repeating: "0", count: padding) + body.dropFirst(sign.count)
        }
        switch align ?? (isNumber ? ">" : "<") {
        case "<": return body + String(repeating: fill, count: padding)
        case "^":
            let left = padding / 2
            return String(repeating: fill, count: left) + body + String(repeating: fill, count: padding - left)
        default: return String(repeating: fill, count: padding) + body
        }
    }

    private static func formatNumber(_ number: Double, type: Character?, precision: Int?, spec: String) throws -> String {
        guard number.isFinite else { return Value.formatNumber(number) }
        switch type {
        case "f": return String(format: "%.\(precision ?? 6)f", number)
        case "e": return String(format: "%.\(precision ?? 6)e", number)
        case "g": return String(format: "%.\(precision ?? 6)g", number)
        case "%": return String(format: "%.\(precision ?? 6)f", number * 100) + "%"
        case "d":
            guard let int = Value.exactInt(number) else { throw ScriptError("format spec '\(spec)' needs a whole number") }
            return String(int)
        case "s": return Value.formatNumber(number)
        default:
            return precision.map { String(format: "%.\($0)g", number) } ?? Value.formatNumber(number)
        }
    }
}
