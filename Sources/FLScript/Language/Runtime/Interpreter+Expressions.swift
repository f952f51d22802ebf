import Foundation

extension Interpreter {
    /// Evaluates an expression. Each kind is handled in its own small function: a tree-walker
    /// recurses once per nesting level, and in debug builds one big function would give every
    /// level the stack frame of all cases together.
    func evaluate(_ expr: Expr) throws -> Value {
        switch expr.kind {
        case .number(let number): return .number(number)
        case .string(let string): return .string(string)
        case .bool(let bool): return .bool(bool)
        case .nil_: return .null
        case .name(let name): return try lookup(name, at: expr.range)
        case .binary: return try evaluateBinary(expr)
        case .call: return try evaluateCall(expr)
        case .member: return try evaluateMember(expr)
        case .index: return try evaluateSubscript(expr)
        case .ifElse: return try evaluateIf(expr)
        case .logical: return try evaluateLogical(expr)
        case .unary, .not: return try evaluateUnary(expr)
        case .interpolated, .list, .dict, .range, .function: return try evaluateLiteral(expr)
        }
    }

    private func evaluateBinary(_ expr: Expr) throws -> Value {
        guard case .binary(let op, let left, let right) = expr.kind else { preconditionFailure("not a binary expression") }
        let lhs = try evaluate(left)
        let rhs = try evaluate(right)
        return try binary(op, lhs, rhs, at: expr.range)
    }

    private func evaluateLogical(_ expr: Expr) throws -> Value {
        guard case .logical(let op, let left, let right) = expr.kind else { preconditionFailure("not a logical expression") }
        let lhs = try evaluate(left)
        // `a or b` / `a and b` yield an operand, as in Python: `x = given or default`.
        switch op {
        case .and: return lhs.isTruthy ? try evaluate(right) : lhs
        case .or: return lhs.isTruthy ? lhs : try evaluate(right)
        }
    }

    private func evaluateUnary(_ expr: Expr) throws -> Value {
        switch expr.kind {
        case .unary(let op, let operand): return try unary(op, try evaluate(operand), at: expr.range)
        case .not(let operand): return .bool(!(try evaluate(operand).isTruthy))
        default: preconditionFailure("not a unary expression")
        }
    }

    private func evaluateMember(_ expr: Expr) throws -> Value {
        guard case .member(let object, let name, let nameRange) = expr.kind else { preconditionFailure("not a member expression") }
        return try member(of: try evaluate(object), name, at: nameRange)
    }

    private func evaluateSubscript(_ expr: Expr) throws -> Value {
        guard case .index(let container, let components) = expr.kind else { preconditionFailure("not an index expression") }
        let value = try evaluate(container)
        return try subscriptGet(value, try evaluateIndex(components), at: expr.range)
    }

    private func evaluateLiteral(_ expr: Expr) throws -> Value {
        switch expr.kind {
        case .interpolated(let parts): return try interpolate(parts)
        case .list(let elements): return try listLiteral(elements, at: expr.range)
        case .dict(let entries): return try dictLiteral(entries)
        case .range(let lower, let upper, let inclusive): return try rangeLiteral(lower, upper, inclusive)
        case .function(let decl):
            return .function(ScriptFunction(declaration: decl, closure: environment, source: currentSource))
        default: preconditionFailure("not a literal")
        }
    }

    /// A variable's value, or "unknown name 'lamda'; did you mean 'lambda'?".
    func lookup(_ name: String, at range: SourceRange) throws -> Value {
        if let value = environment.lookup(name) { return value }
        throw error("unknown name '\(name)'" + Suggestions.didYouMean(name, in: environment.visibleNames), at: range)
    }

    func interpolate(_ parts: [InterpolationPart]) throws -> Value {
        var result = ""
        for part in parts {
            switch part {
            case .text(let text): result += text
            case .expr(let expr):
                result += try evaluate(expr).text
                try checkSize(result.unicodeScalars.count, "a string", at: expr.range)
            }
        }
        return .string(result)
    }

    func listLiteral(_ elements: [Expr], at range: SourceRange) throws -> Value {
        var items: [Value] = []
        items.reserveCapacity(elements.count)
        for element in elements {
            let value = try evaluate(element)
            try checkNesting(value, at: element.range)
            items.append(value)
        }
        return .list(ScriptList(items))
    }

    func dictLiteral(_ entries: [(key: Expr, value: Expr)]) throws -> Value {
        let dict = ScriptDict()
        for entry in entries {
            let key = try dictKey(try evaluate(entry.key), at: entry.key.range)
            let value = try evaluate(entry.value)
            try checkNesting(value, at: entry.value.range)
            dict[key] = value
        }
        return .dict(dict)
    }

    /// Dicts are keyed by strings and numbers.
    func dictKey(_ value: Value, at range: SourceRange) throws -> DictKey {
        switch value {
        case .string(let string): return .string(string)
        case .number(let number) where !number.isNaN: return .number(number == 0 ? 0 : number)
        default: throw error("dict keys must be strings or numbers, got \(value.repr)", at: range)
        }
    }

    func rangeLiteral(_ lowerExpr: Expr, _ upperExpr: Expr, _ inclusive: Bool) throws -> Value {
        let lower = try evaluate(lowerExpr)
        let upper = try evaluate(upperExpr)
        guard case .number(let start) = lower else {
            throw error("range bounds must be numbers, got \(lower.typeName)", at: lowerExpr.range)
        }
        guard case .number(let end) = upper else {
            throw error("range bounds must be numbers, got \(upper.typeName)", at: upperExpr.range)
        }
        return .range(ScriptRange(start: start, end: end, inclusive: inclusive))
    }

    /// `if … else if … else …`, walking the chain in a loop rather than recursing.
    func evaluateIf(_ expr: Expr) throws -> Value {
        guard case .ifElse(var branch) = expr.kind else { preconditionFailure("not an if expression") }
        while true {
            if try evaluate(branch.condition).isTruthy {
                return try executeBlock(branch.then)
            }
            switch branch.otherwise {
            case .elseIf(let next, _): branch = next
            case .block(let block): return try executeBlock(block)
            case nil: return .null
            }
        }
    }

    /// `value.name`: an object's member, or a method of a list, dict or string.
    func member(of value: Value, _ name: String, at range: SourceRange) throws -> Value {
        let found: Value?
        switch value {
        case .object(let object): found = try guarded(range) { try object.member(name) }
        case .list(let list): found = Methods.list(list, name).map(Value.builtin)
        case .dict(let dict): found = Methods.dict(dict, name).map(Value.builtin)
        case .string(let string): found = Methods.string(string, name).map(Value.builtin)
        default: found = nil
        }
        if let found { return found }
        let names = memberInfo(of: value).map(\.name)
        throw error("\(value.typeName) has no member '\(name)'" + Suggestions.didYouMean(name, in: names), at: range)
    }

    /// The members help and completion list for a value.
    func memberInfo(of value: Value) -> [MemberInfo] {
        switch value {
        case .object(let object): return object.members
        case .list: return Methods.listMembers
        case .dict: return Methods.dictMembers
        case .string: return Methods.stringMembers
        default: return []
        }
    }

    func setMember(of value: Value, _ name: String, to newValue: Value, at range: SourceRange) throws {
        guard case .object(let object) = value else {
            throw error("cannot assign member '\(name)' of \(value.typeName)", at: range)
        }
        try guarded(range) { try object.setMember(name, to: newValue) }
    }
}
