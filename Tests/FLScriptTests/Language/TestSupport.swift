import Foundation
@testable import FLScript

/// A fresh interpreter whose output is collected, for running snippets in tests.
final class LanguageSession {
    private(set) var output = ""
    let interpreter: Interpreter

    init(limits: RunLimits = RunLimits()) {
        var sink: ((String) -> Void)?
        interpreter = Interpreter(output: { sink?($0) }, limits: limits, interruptFlag: InterruptFlag())
        sink = { [unowned self] in self.output += $0 }
    }

    /// Runs `source` and returns what it printed (echo included); clears the collected output first.
    @discardableResult
    func run(_ source: String, file: String = "test.fl") -> (output: String, result: RunResult) {
        output = ""
        let result = interpreter.run(source, file: file)
        return (output, result)
    }

    /// The printed output of `source`, or the rendered diagnostics if it failed.
    func eval(_ source: String) -> String {
        let (output, result) = run(source)
        return result.succeeded ? output : output + result.errorText
    }

    /// The first diagnostic's headline ("file:line:col: error: message"), or "" on success.
    func error(_ source: String) -> String {
        run(source).result.diagnostics.first?.headline ?? ""
    }
}

/// Lexes and parses `source`, returning all diagnostics rendered.
func syntaxErrors(_ source: String, file: String = "test.fl") -> [Diagnostic] {
    Syntax.check(SourceFile(name: file, text: source))
}

/// The first diagnostic rendered (headline, source line, caret), or "" when there is none.
func firstRendered(_ diagnostics: [Diagnostic]) -> String {
    diagnostics.first?.rendered() ?? ""
}

/// Parses one expression statement and prints its tree as an s-expression: `(+ 1 (* 2 3))`.
func sexpr(_ source: String) -> String {
    let (program, diagnostics) = Parser.parse(SourceFile(name: "test.fl", text: source))
    guard diagnostics.isEmpty else { return Diagnostic.render(diagnostics) }
    return program.statements.map(sexpr).joined(separator: " ")
}

func sexpr(_ statement: Stmt) -> String {
    switch statement.kind {
    case .expression(let expr): return sexpr(expr)
    case .assign(let target, let op, let value):
        let name: String
        switch target {
        case .name(let n): name = n
        case .member(let object, let member, _): name = "(. \(sexpr(object)) \(member))"
        case .index(let object, let components): name = "([] \(sexpr(object)) \(components.map(sexpr).joined(separator: " ")))"
        }
        return "(\(op.map { $0.rawValue } ?? "")= \(name) \(sexpr(value)))"
    case .function(let decl): return "(fn \(decl.name ?? "") ...)"
    case .return_(let value): return "(return\(value.map { " " + sexpr($0) } ?? ""))"
    case .for_(let names, let iterable, let body): return "(for \(names.joined(separator: ",")) \(sexpr(iterable)) \(sexpr(body)))"
    case .while_(let condition, let body): return "(while \(sexpr(condition)) \(sexpr(body)))"
    case .break_: return "break"
    case .continue_: return "continue"
    case .help(let subject): return "(? \(subject.map(sexpr) ?? ""))"
    }
}

func sexpr(_ block: Block) -> String {
    "{" + block.statements.map(sexpr).joined(separator: "; ") + "}"
}

func sexpr(_ component: IndexExpr) -> String {
    switch component {
    case .value(let expr): return sexpr(expr)
    case .slice(let start, let stop, let step, _):
        return [start, stop, step].map { $0.map(sexpr) ?? "_" }.joined(separator: ":")
    }
}

func sexpr(_ expr: Expr) -> String {
    switch expr.kind {
    case .number(let n): return Value.formatNumber(n)
    case .string(let s): return Value.quote(s)
    case .interpolated(let parts):
        return "(str " + parts.map { part in
            switch part {
            case .text(let t): return Value.quote(t)
            case .expr(let e): return sexpr(e)
            }
        }.joined(separator: " ") + ")"
    case .bool(let b): return b ? "true" : "false"
    case .nil_: return "nil"
    case .name(let n): return n
    case .list(let items): return "[" + items.map(sexpr).joined(separator: " ") + "]"
    case .dict(let entries): return "{" + entries.map { sexpr($0.key) + ":" + sexpr($0.value) }.joined(separator: " ") + "}"
    case .range(let a, let b, let inclusive): return "(\(inclusive ? "..." : "..<") \(sexpr(a)) \(sexpr(b)))"
    case .unary(_, let e): return "(neg \(sexpr(e)))"
    case .not(let e): return "(not \(sexpr(e)))"
    case .binary(let op, let a, let b): return "(\(op.rawValue) \(sexpr(a)) \(sexpr(b)))"
    case .logical(let op, let a, let b): return "(\(op.rawValue) \(sexpr(a)) \(sexpr(b)))"
    case .call(let callee, let args):
        let parts = args.map { ($0.label.map { $0 + ":" } ?? "") + sexpr($0.value) }
        return "(call \(sexpr(callee))" + parts.map { " " + $0 }.joined() + ")"
    case .index(let object, let components):
        return "([] \(sexpr(object)) \(components.map(sexpr).joined(separator: " ")))"
    case .member(let object, let name, _): return "(. \(sexpr(object)) \(name))"
    case .function(let decl):
        let params = decl.parameters.map { p in p.name + (p.defaultValue.map { ":" + sexpr($0) } ?? "") }
        return "(fn\(decl.name.map { " " + $0 } ?? "") (\(params.joined(separator: " "))) \(sexpr(decl.body)))"
    case .ifElse(let branch): return sexpr(branch)
    }
}

func sexpr(_ branch: IfBranch) -> String {
    var text = "(if \(sexpr(branch.condition)) \(sexpr(branch.then))"
    switch branch.otherwise {
    case .elseIf(let next, _): text += " " + sexpr(next)
    case .block(let block): text += " " + sexpr(block)
    case nil: break
    }
    return text + ")"
}
