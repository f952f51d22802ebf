import Foundation

extension Interpreter {
    /// `lhs op rhs`. Objects on either side get the first say; then numbers, strings and lists.
    func binary(_ op: BinaryOperator, _ lhs: Value, _ rhs: Value, at range: SourceRange) throws -> Value {
        if case .object(let object) = lhs, let result = try guarded(range, { try object.binary(op, rhs, objectIsLeft: true) }) {
            return result
        }
        if case .object(let object) = rhs, let result = try guarded(range, { try object.binary(op, lhs, objectIsLeft: false) }) {
            return result
        }
        // An object that defines only `==` still gets a consistent `!=`.
        if op == .notEqual, lhs.asObject != nil || rhs.asObject != nil,
           case .bool(let equal) = try binary(.equal, lhs, rhs, at: range) {
            return .bool(!equal)
        }
        switch op {
        case .equal: return .bool(try valuesEqual(lhs, rhs, at: range))
        case .notEqual: return .bool(!(try valuesEqual(lhs, rhs, at: range)))
        case .less: return .bool(try compare(lhs, rhs, op, at: range) < 0)
        case .lessEqual: return .bool(try compare(lhs, rhs, op, at: range) <= 0)
        case .greater: return .bool(try compare(lhs, rhs, op, at: range) > 0)
        case .greaterEqual: return .bool(try compare(lhs, rhs, op, at: range) >= 0)
        default: break
        }
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)) where op != .matmul:
            return .number(try arithmetic(op, a, b, at: range))
        case (.string(let a), .string(let b)) where op == .add:
            try checkSize(a.unicodeScalars.count + b.unicodeScalars.count, "a string", at: range)
            return .string(a + b)
        case (.list(let a), .list(let b)) where op == .add:
            try checkSize(a.items.count + b.items.count, "a list", at: range)
            return .list(ScriptList(a.items + b.items))
        case (.string(let string), .number(let count)) where op == .multiply,
             (.number(let count), .string(let string)) where op == .multiply:
            let times = try repetitions(count, at: range)
            try checkSize(Interpreter.product(string.unicodeScalars.count, times), "a string", at: range)
            return .string(String(repeating: string, count: times))
        case (.list(let list), .number(let count)) where op == .multiply,
             (.number(let count), .list(let list)) where op == .multiply:
            let times = try repetitions(count, at: range)
            try checkSize(Interpreter.product(list.items.count, times), "a list", at: range)
            return .list(ScriptList(Array([[Value]](repeating: list.items, count: times).joined())))
        default:
            var message = "cannot apply '\(op.rawValue)' to \(lhs.typeName) and \(rhs.typeName)"
            if op == .add, lhs.asString != nil || rhs.asString != nil {
                message += "; convert with str(x) first"
            } else if op == .matmul {
                message += "; '@' multiplies matrices (tensors)"
            }
            throw error(message, at: range)
        }
    }

    func arithmetic(_ op: BinaryOperator, _ a: Double, _ b: Double, at range: SourceRange) throws -> Double {
        switch op {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide:
            if b == 0 { throw error("division by zero", at: range) }
            return a / b
        case .remainder:
            if b == 0 { throw error("modulo by zero", at: range) }
            // Python's sign convention: the result takes the divisor's sign, so `-1 % 3 == 2`.
            let r = a.truncatingRemainder(dividingBy: b)
            return r != 0 && (r < 0) != (b < 0) ? r + b : r
        case .power: return Foundation.pow(a, b)
        default: throw error("cannot apply '\(op.rawValue)' to number and number", at: range)
        }
    }

    /// A repetition count for `"ab" * 3`: a whole, non-negative number.
    func repetitions(_ count: Double, at range: SourceRange) throws -> Int {
        guard let times = Value.exactInt(count), times >= 0 else {
            throw error("repetition count must be a whole number ≥ 0, got \(Value.formatNumber(count))", at: range)
        }
        return times
    }

    /// a·b, saturating instead of overflowing.
    static func product(_ a: Int, _ b: Int) -> Int {
        let (result, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int.max : result
    }

    func unary(_ op: UnaryOperator, _ operand: Value, at range: SourceRange) throws -> Value {
        switch operand {
        case .number(let number): return .number(-number)
        case .object(let object):
            if let result = try guarded(range, { try object.unary(op) }) { return result }
        default: break
        }
        throw error("cannot negate \(operand.typeName)", at: range)
    }

    /// Structural equality: lists and dicts by contents, objects by their `==` or identity.
    func valuesEqual(_ lhs: Value, _ rhs: Value, at range: SourceRange, depth: Int = 0) throws -> Bool {
        if depth > Value.maxPrintDepth {
            throw error("values nested too deeply to compare", at: range)
        }
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.null, .null): return true
        case (.range(let a), .range(let b)):
            return a.start == b.start && a.end == b.end && a.step == b.step && a.inclusive == b.inclusive
        case (.list(let a), .list(let b)):
            if a === b { return true }
            guard a.items.count == b.items.count else { return false }
            for (x, y) in zip(a.items, b.items) where !(try valuesEqual(x, y, at: range, depth: depth + 1)) {
                return false
            }
            return true
        case (.dict(let a), .dict(let b)):
            if a === b { return true }
            guard a.count == b.count else { return false }
            for (key, value) in a.entries {
                guard let other = b[key], try valuesEqual(value, other, at: range, depth: depth + 1) else { return false }
            }
            return true
        case (.function(let a), .function(let b)): return a === b
        case (.builtin(let a), .builtin(let b)): return a === b
        case (.object(let a), .object(let b)): return a === b
        default: return false
        }
    }

    /// Ordering of numbers and of strings: negative, zero or positive.
    func compare(_ lhs: Value, _ rhs: Value, _ op: BinaryOperator, at range: SourceRange) throws -> Int {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)):
            // NaN compares false every way, as in IEEE: answer so that `op` itself comes out false.
            if a.isNaN || b.isNaN { return op == .less || op == .lessEqual ? 1 : -1 }
            return a < b ? -1 : a > b ? 1 : 0
        case (.string(let a), .string(let b)):
            return a < b ? -1 : a > b ? 1 : 0
        default:
            throw error("cannot compare \(lhs.typeName) and \(rhs.typeName) with '\(op.rawValue)'", at: range)
        }
    }
}
