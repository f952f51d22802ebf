import Foundation
import FLTensor

/// A JSON value that keeps the order of object members and the text of numbers, so that a
/// table's columns come out in the order a notebook reported them (JSONSerialization forgets
/// both). The one JSON reader of the project's own files: `report()` lines read back by
/// `read_reports` and `flnb sweep`, `flnb train`'s metrics file, `grid.json`, Slurm results.
public enum OrderedJSON: Equatable, Sendable {
    case string(String)
    /// A number as its JSON text.
    case number(String)
    case bool(Bool)
    case null
    case array([OrderedJSON])
    case object([Member])

    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: OrderedJSON
        public init(key: String, value: OrderedJSON) { self.key = key; self.value = value }
    }

    /// The value of member `key` of an object (the first one with that name).
    public subscript(key: String) -> OrderedJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var arrayValue: [OrderedJSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var members: [Member]? { if case .object(let m) = self { return m } else { return nil } }
    public var intValue: Int? { if case .number(let t) = self { return Int(t) ?? Double(t).flatMap { $0 == $0.rounded() ? Int(exactly: $0) : nil } } else { return nil } }

    // MARK: - Writing

    /// Compact JSON in the style of `report()`: `{"a": 1, "b": [2, 3]}`.
    public var text: String {
        switch self {
        case .string(let s): return OrderedJSON.quote(s)
        case .number(let t): return t
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .object(let members): return "{" + members.map { OrderedJSON.quote($0.key) + ": " + $0.value.text }.joined(separator: ", ") + "}"
        }
    }

    /// `s` as a JSON string literal.
    public static func quote(_ s: String) -> String { jsonQuote(s) }

    // MARK: - Reading

    public struct ParseError: Error, CustomStringConvertible {
        public var message: String
        /// Where, counted in characters (Unicode scalars) from 1.
        public var column: Int
        public var description: String { "\(message) at column \(column)" }
    }

    /// Parses one JSON value (surrounding white space allowed, nothing else after it).
    public static func parse(_ text: String) throws -> OrderedJSON {
        var parser = Parser(bytes: Array(text.utf8))
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw parser.fail("unexpected text after the value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        /// Whether the next byte is `c`.
        func at(_ c: Unicode.Scalar) -> Bool { index < bytes.count && bytes[index] == UInt8(ascii: c) }

        /// After an item of an object or array: true past a ',', false past `close`, else an error.
        mutating func moreItems(before close: Unicode.Scalar) throws -> Bool {
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end") }
            if at(",") { index += 1; return true }
            if at(close) { index += 1; return false }
            throw fail("expected ',' or '\(close)'")
        }

        /// The error at the current position; its column counts UTF-8 lead bytes, not bytes.
        func fail(_ message: String) -> ParseError {
            let end = min(index, bytes.count)
            return ParseError(message: message, column: bytes[..<end].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 })
        }

        mutating func value(depth: Int) throws -> OrderedJSON {
            guard depth < 200 else { throw fail("nested too deeply") }
            guard index < bytes.count else { throw fail("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [Member] = []
                skipSpace()
                if at("}") { index += 1; return .object(members) }
                repeat {
                    skipSpace()
                    guard at("\"") else { throw fail("expected a quoted key") }
                    let key = try string()
                    skipSpace()
                    guard at(":") else { throw fail("expected ':'") }
                    index += 1
                    skipSpace()
                    members.append(Member(key: key, value: try value(depth: depth + 1)))
                } while try moreItems(before: "}")
                return .object(members)
            case UInt8(ascii: "["):
                index += 1
                var items: [OrderedJSON] = []
                skipSpace()
                if at("]") { index += 1; return .array(items) }
                repeat {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                } while try moreItems(before: "]")
                return .array(items)
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default:
                let start = index
                while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                guard !text.isEmpty else { throw fail("unexpected character '\(String(decoding: [bytes[start]], as: UTF8.self))'") }
                guard OrderedJSON.isNumberText(text) else { index = start; throw fail("not a number: '\(text)'") }
                return .number(text)
            }
        }

        mutating func literal(_ word: String) throws {
            let w = Array(word.utf8)
            guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else { throw fail("unknown word (true, false or null?)") }
            index += w.count
        }

        mutating func string() throws -> String {
            index += 1  // opening quote
            var out = [UInt8]()
            while true {
                guard index < bytes.count else { throw fail("unterminated string") }
                let b = bytes[index]
                index += 1
                if b == UInt8(ascii: "\"") { break }
                guard b == UInt8(ascii: "\\") else { out.append(b); continue }
                guard index < bytes.count else { throw fail("unterminated string") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try hex4()
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    out += Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8)
                default: out.append(e)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
                throw fail("bad \\u escape")
            }
            index += 4
            return v
        }
    }

    /// Whether `text` is a number in JSON's grammar (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    public static func isNumberText(_ text: String) -> Bool {
        var s = Substring(text)
        if s.hasPrefix("-") { s = s.dropFirst() }
        let intPart = s.prefix { $0.isASCII && $0.isNumber }
        guard !intPart.isEmpty, intPart == "0" || !intPart.hasPrefix("0") else { return false }
        s = s.dropFirst(intPart.count)
        if s.hasPrefix(".") {
            s = s.dropFirst()
            let frac = s.prefix { $0.isASCII && $0.isNumber }
            guard !frac.isEmpty else { return false }
            s = s.dropFirst(frac.count)
        }
        if s.hasPrefix("e") || s.hasPrefix("E") {
            s = s.dropFirst()
            if s.hasPrefix("+") || s.hasPrefix("-") { s = s.dropFirst() }
            let exp = s.prefix { $0.isASCII && $0.isNumber }
            guard !exp.isEmpty else { return false }
            s = s.dropFirst(exp.count)
        }
        return s.isEmpty
    }
}

extension OrderedJSON {
    /// An nbformat document with `extra[i]` appended to the outputs of cell i (cells without an
    /// `outputs` list, and indices past the end, are left alone).
    public func appendingOutputs(_ extra: [Int: [OrderedJSON]]) -> OrderedJSON {
        guard !extra.isEmpty, var members = self.members,
              let at = members.firstIndex(where: { $0.key == "cells" }), var cells = members[at].value.arrayValue else { return self }
        for (index, outputs) in extra where index < cells.count {
            guard var cell = cells[index].members, let slot = cell.firstIndex(where: { $0.key == "outputs" }),
                  let existing = cell[slot].value.arrayValue else { continue }
            cell[slot] = .init(key: "outputs", value: .array(existing + outputs))
            cells[index] = .object(cell)
        }
        members[at] = .init(key: "cells", value: .array(cells))
        return .object(members)
    }
}
