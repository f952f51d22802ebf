import Foundation

/// Binary operators, as objects see them in `ScriptObject.binary`.
public enum BinaryOperator: String, Sendable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case power = "**", matmul = "@"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
}

/// Unary operators an object may implement.
public enum UnaryOperator: String, Sendable {
    case negate = "-"
}

/// `and` / `or`, which evaluate their right side only when needed.
enum LogicalOperator: String {
    case and, or
}

/// An expression node: what it is, where it is, and how deep its subtree goes
/// (the parser bounds the depth so evaluating and freeing a tree cannot exhaust the stack).
struct Expr {
    var kind: ExprKind
    var range: SourceRange
    var depth: Int = 1
}

indirect enum ExprKind {
    case number(Double)
    case string(String)
    case interpolated([InterpolationPart])
    case bool(Bool)
    case nil_
    case name(String)
    case list([Expr])
    case dict([(key: Expr, value: Expr)])
    case range(Expr, Expr, inclusive: Bool)
    case unary(UnaryOperator, Expr)
    case not(Expr)
    case binary(BinaryOperator, Expr, Expr)
    case logical(LogicalOperator, Expr, Expr)
    case call(Expr, [Argument])
    case index(Expr, [IndexExpr])
    case member(Expr, name: String, nameRange: SourceRange)
    case function(FunctionDecl)
    case ifElse(IfBranch)
}

/// A piece of an interpolated string.
enum InterpolationPart {
    case text(String)
    case expr(Expr)
}

/// One argument of a call: `value` or `label: value`.
struct Argument {
    var label: String?
    var labelRange: SourceRange?
    var value: Expr
}

/// One component of an index: `x[i]`, `x[a:b:c]`, or one of several in `t[0, 1:3]`.
enum IndexExpr {
    case value(Expr)
    case slice(start: Expr?, stop: Expr?, step: Expr?, range: SourceRange)
}

/// `if cond { … } else if … else { … }`; the value is the chosen block's value.
struct IfBranch {
    var condition: Expr
    var then: Block
    var otherwise: Else?
}

/// What follows `else`: another `if`, or a block.
indirect enum Else {
    case elseIf(IfBranch, SourceRange)
    case block(Block)
}

/// A `fn`: optional name, parameters with optional defaults, and a body.
struct FunctionDecl {
    var name: String?
    var parameters: [ParameterDecl]
    var body: Block
    var range: SourceRange
}

struct ParameterDecl {
    var name: String
    var defaultValue: Expr?
    var range: SourceRange
}

/// A braced sequence of statements; its value is the value of its last expression statement.
struct Block {
    var statements: [Stmt]
    var range: SourceRange
    /// The deepest expression inside, counting enclosing blocks.
    var depth: Int = 1
}

struct Stmt {
    var kind: StmtKind
    var range: SourceRange
}

/// What an assignment writes to.
indirect enum AssignTarget {
    case name(String)
    case member(Expr, name: String, nameRange: SourceRange)
    case index(Expr, [IndexExpr])
}

enum StmtKind {
    case expression(Expr)
    /// `target = value` or, with an operator, `target op= value`.
    case assign(AssignTarget, BinaryOperator?, Expr)
    case function(FunctionDecl)
    case return_(Expr?)
    case for_(names: [String], iterable: Expr, body: Block)
    case while_(condition: Expr, body: Block)
    case break_
    case continue_
    /// `?x`: print the help for a value (`?` alone: the general help).
    case help(Expr?)
}
