import Foundation

extension Interpreter {
    /// Runs one statement; returns its value (nil for anything but an expression statement).
    @discardableResult
    func execute(_ statement: Stmt) throws -> Value {
        try tick(statement.range)
        switch statement.kind {
        case .expression(let expr):
            return try evaluate(expr)
        case .assign:
            try executeAssignment(statement)
        case .function, .help:
            try executeDeclaration(statement)
        case .for_, .while_:
            try executeLoop(statement)
        case .return_:
            try executeReturn(statement)
        case .break_:
            throw ControlSignal.breakLoop
        case .continue_:
            throw ControlSignal.continueLoop
        }
        return .null
    }

    private func executeReturn(_ statement: Stmt) throws {
        guard case .return_(let expr) = statement.kind else { preconditionFailure("not a return") }
        throw ControlSignal.returnValue(try expr.map(evaluate) ?? .null)
    }

    private func executeAssignment(_ statement: Stmt) throws {
        guard case .assign(let target, let op, let value) = statement.kind else { preconditionFailure("not an assignment") }
        try assign(target, op, value, range: statement.range)
    }

    private func executeDeclaration(_ statement: Stmt) throws {
        switch statement.kind {
        case .function(let decl):
            // Like a parameter, a declared function belongs to the scope it is declared in.
            let function = ScriptFunction(declaration: decl, closure: environment, source: currentSource)
            environment.define(decl.name ?? "<anonymous>", .function(function))
        case .help(let subject):
            let value = try subject.map(evaluate)
            output(helpText(for: value) + "\n")
        default: preconditionFailure("not a declaration")
        }
    }

    private func executeLoop(_ statement: Stmt) throws {
        switch statement.kind {
        case .for_(let names, let iterable, let body): try forLoop(names, iterable, body, range: statement.range)
        case .while_(let condition, let body): try whileLoop(condition, body)
        default: preconditionFailure("not a loop")
        }
    }

    /// Runs a block's statements; its value is the last statement's.
    @discardableResult
    func executeBlock(_ block: Block) throws -> Value {
        var last = Value.null
        for statement in block.statements {
            last = try execute(statement)
        }
        return last
    }

    func forLoop(_ names: [String], _ iterableExpr: Expr, _ body: Block, range: SourceRange) throws {
        let iterable = try evaluate(iterableExpr)
        var iterator = try makeIterator(iterable, at: iterableExpr.range)
        while let element = try guarded(iterableExpr.range, { try iterator.next() }) {
            try tick(iterableExpr.range)
            try bindLoopVariables(names, element, at: iterableExpr.range)
            guard try loopBody(body) else { return }
        }
    }

    /// Runs a loop's body once; false when it ran `break`.
    private func loopBody(_ body: Block) throws -> Bool {
        do {
            try executeBlock(body)
        } catch ControlSignal.breakLoop {
            return false
        } catch ControlSignal.continueLoop {}
        return true
    }

    /// `for x in …` binds one name; `for i, x in enumerate(…)` unpacks each element.
    /// Loop variables always belong to the current scope, so a helper function's loop never
    /// overwrites a notebook variable of the same name.
    func bindLoopVariables(_ names: [String], _ element: Value, at range: SourceRange) throws {
        if names.count == 1 {
            environment.define(names[0], element)
            return
        }
        guard case .list(let list) = element else {
            throw error("cannot unpack \(element.typeName) into \(names.count) loop variables", at: range)
        }
        guard list.items.count == names.count else {
            throw error("cannot unpack a list of \(list.items.count) into \(names.count) loop variables", at: range)
        }
        for (name, item) in zip(names, list.items) {
            environment.define(name, item)
        }
    }

    func whileLoop(_ condition: Expr, _ body: Block) throws {
        while try evaluate(condition).isTruthy {
            try tick(condition.range)
            guard try loopBody(body) else { return }
        }
    }

    /// `target = value` and `target op= value`. The target's container and index are
    /// evaluated once; nothing is stored unless every step succeeds.
    func assign(_ target: AssignTarget, _ op: BinaryOperator?, _ valueExpr: Expr, range: SourceRange) throws {
        switch target {
        case .name(let name):
            let current = try op.map { _ in try lookup(name, at: range) }
            var value = try evaluate(valueExpr)
            if let op, let current { value = try binary(op, current, value, at: range) }
            environment.assign(name, value, boundary: builtinScope)
        case .member(let objectExpr, let name, let nameRange):
            let object = try evaluate(objectExpr)
            let current = try op.map { _ in try member(of: object, name, at: nameRange) }
            var value = try evaluate(valueExpr)
            if let op, let current { value = try binary(op, current, value, at: range) }
            try setMember(of: object, name, to: value, at: nameRange)
        case .index(let containerExpr, let components):
            let container = try evaluate(containerExpr)
            let index = try evaluateIndex(components)
            let indexRange = components.isEmpty ? containerExpr.range : range
            let current = try op.map { _ in try subscriptGet(container, index, at: indexRange) }
            var value = try evaluate(valueExpr)
            if let op, let current { value = try binary(op, current, value, at: range) }
            try subscriptSet(container, index, to: value, at: indexRange)
        }
    }
}
