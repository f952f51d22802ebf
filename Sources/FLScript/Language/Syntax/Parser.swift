import Foundation

/// A parsed input: its statements and the source they came from.
struct Program {
    var statements: [Stmt]
    var source: SourceFile
}

/// Thrown inside the parser to unwind to the enclosing statement, which records nothing
/// further (the diagnostic was recorded when the error was made) and synchronizes.
struct ParseError: Error {}

/// A recursive-descent parser, one method per grammar rule.
///
///     program     → statement ( separator statement )*          separator: newline | ';'
///     statement   → fnDecl | forStmt | whileStmt | returnStmt | 'break' | 'continue'
///                 | '?' expression? | simpleStmt
///     simpleStmt  → expression ( ( '=' | '+=' | '-=' | '*=' | '/=' ) expression )?
///     block       → '{' statement* '}'
///
/// (expressions: see Parser+Expressions.swift). After an error the parser skips to the next
/// statement boundary and carries on, so one pass reports several errors.
struct Parser {
    /// How deeply expressions and blocks may nest. Deep enough for any human; bounds the
    /// recursion of parsing, evaluating and freeing a tree.
    static let maxNesting = 128

    var tokens: [Token]
    let source: SourceFile
    var current = 0
    var diagnostics: [Diagnostic] = []
    /// Whether newlines are insignificant here: true inside (), [] and dict braces,
    /// false inside blocks. The top of the stack applies.
    var newlineModes: [Bool] = [false]
    var nesting = 0
    /// Brackets open in the current statement, and how many were open when the last error
    /// was made: recovery skips their closers instead of mistaking one for the block's end.
    var openBrackets = 0
    var openBracketsAtError = 0
    var loopDepth = 0
    var functionDepth = 0

    init(tokens: [Token], source: SourceFile) {
        self.tokens = tokens.isEmpty ? [Token(kind: .eof, lexeme: "", range: SourceRange(at: SourceLocation(line: source.firstLine, column: 1)))] : tokens
        self.source = source
    }

    /// Lexes and parses `source`; the program is complete only when the diagnostics are empty.
    static func parse(_ source: SourceFile) -> (Program, [Diagnostic]) {
        var lexer = Lexer(source: source)
        let tokens = lexer.tokenize()
        var parser = Parser(tokens: tokens, source: source)
        let statements = parser.parseProgram()
        let diagnostics = (lexer.diagnostics + parser.diagnostics).sorted {
            let a = $0.range?.start ?? SourceLocation(line: 0, column: 0)
            let b = $1.range?.start ?? SourceLocation(line: 0, column: 0)
            return (a.line, a.column) < (b.line, b.column)
        }
        return (Program(statements: statements, source: source), diagnostics)
    }

    // MARK: - Tokens

    var ignoresNewlines: Bool { newlineModes[newlineModes.count - 1] }

    /// Index of the next significant token.
    func nextIndex() -> Int {
        var index = current
        if ignoresNewlines {
            while tokens[index].kind == .newline { index += 1 }
        }
        return index
    }

    var peek: Token { tokens[nextIndex()] }

    /// The token after `peek`, newlines included (used to spot `label:`).
    var peekNext: Token {
        let index = nextIndex()
        return index + 1 < tokens.count ? tokens[index + 1] : tokens[tokens.count - 1]
    }

    var previous: Token { current > 0 ? tokens[current - 1] : tokens[0] }

    func check(_ kind: TokenKind) -> Bool { peek.kind == kind }

    @discardableResult
    mutating func advance() -> Token {
        let index = nextIndex()
        let token = tokens[index]
        if token.kind != .eof { current = index + 1 }
        return token
    }

    mutating func match(_ kinds: TokenKind...) -> Token? {
        kinds.contains(peek.kind) ? advance() : nil
    }

    mutating func skipNewlines() {
        while tokens[current].kind == .newline { current += 1 }
    }

    /// Runs `body` with newlines significant (`false`) or not (`true`).
    /// Brackets make newlines insignificant; a block restores them and starts its own count
    /// of open brackets.
    mutating func withNewlines<T>(ignored: Bool, _ body: (inout Parser) throws -> T) rethrows -> T {
        newlineModes.append(ignored)
        let savedBrackets = openBrackets
        openBrackets = ignored ? openBrackets + 1 : 0
        defer {
            newlineModes.removeLast()
            openBrackets = savedBrackets
        }
        return try body(&self)
    }

    /// Runs `body` one nesting level deeper, failing cleanly past `maxNesting`.
    mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Parser.maxNesting {
            throw error("expression nested too deeply (limit \(Parser.maxNesting))", at: peek.range)
        }
        return try body(&self)
    }

    // MARK: - Errors

    /// Where an "expected …" error points: at the offending token, or just after the previous
    /// token when the offender is a line break or the end of input.
    var errorRange: SourceRange {
        let token = peek
        guard current > 0 else { return token.range }
        if token.kind == .newline || token.kind == .eof || token.range.start.line > previous.range.end.line {
            return SourceRange(at: previous.range.end)
        }
        return token.range
    }

    /// Records a diagnostic (unless it sits on a token the lexer already complained about)
    /// and returns the error to throw.
    mutating func error(_ message: String, at range: SourceRange) -> ParseError {
        openBracketsAtError = openBrackets
        let onInvalidToken = tokens.contains { $0.kind == .invalid && $0.range == range }
        let duplicate = diagnostics.contains { $0.range?.start == range.start }
        if !onInvalidToken && !duplicate {
            diagnostics.append(Diagnostic(.error, message, at: range, in: source))
        }
        return ParseError()
    }

    /// Consumes a token of `kind` or fails with `message` at `errorRange`.
    @discardableResult
    mutating func expect(_ kind: TokenKind, _ message: String) throws -> Token {
        if let token = match(kind) { return token }
        throw error(message, at: errorRange)
    }

    /// "expected ')' to close '(' at 3:5"
    mutating func expectClosing(_ kind: TokenKind, opener: Token) throws -> Token {
        let closer = kind == .rightParen ? ")" : kind == .rightBracket ? "]" : "}"
        if let token = match(kind) { return token }
        throw error("expected '\(closer)' to close '\(opener.lexeme)' at \(opener.range.start)", at: errorRange)
    }

    /// Skips to the end of the current statement: a newline or ';' outside any bracket opened
    /// while skipping, or a '}' that closes the enclosing block. Closers of brackets that were
    /// open at the error are skipped too.
    mutating func synchronize() {
        var depth = 0
        var unclosed = openBracketsAtError
        while true {
            switch tokens[current].kind {
            case .eof: return
            case .newline, .semicolon: if depth == 0 { return }
            case .leftParen, .leftBracket, .leftBrace: depth += 1
            case .rightParen, .rightBracket, .rightBrace:
                if depth > 0 {
                    depth -= 1
                } else if unclosed > 0 {
                    unclosed -= 1
                } else if tokens[current].kind == .rightBrace {
                    return
                }
            default: break
            }
            current += 1
        }
    }

    // MARK: - Statements

    mutating func parseProgram() -> [Stmt] {
        statementList(until: .eof)
    }

    /// Statements separated by newlines or ';' up to `end` (not consumed), with recovery.
    mutating func statementList(until end: TokenKind) -> [Stmt] {
        var statements: [Stmt] = []
        while true {
            while tokens[current].kind == .newline || tokens[current].kind == .semicolon { current += 1 }
            let kind = tokens[current].kind
            if kind == end || kind == .eof { return statements }
            let start = current
            do {
                if kind == .rightBrace {
                    throw error("unmatched '}'", at: tokens[current].range)
                }
                statements.append(try statement())
                let next = tokens[current].kind
                if next != .newline && next != .semicolon && next != end && next != .eof {
                    throw error("expected newline or ';' between statements, got \(tokens[current].displayName)",
                                at: tokens[current].range)
                }
            } catch {
                synchronize()
                // Always make progress, so a token no rule accepts cannot stall the loop.
                if current == start, tokens[current].kind != .eof { current += 1 }
            }
        }
    }

    mutating func statement() throws -> Stmt {
        switch peek.kind {
        case .fn where peekNext.kind == .identifier: return try functionDeclaration()
        case .for_: return try forStatement()
        case .while_: return try whileStatement()
        case .return_: return try returnStatement()
        case .break_, .continue_: return try loopJump()
        case .question: return try helpStatement()
        case .else_: throw error("'else' without a matching 'if'", at: peek.range)
        default: return try simpleStatement()
        }
    }

    mutating func simpleStatement() throws -> Stmt {
        let expr = try expression()
        let operators: [TokenKind: BinaryOperator?] = [
            .equal: nil, .plusEqual: .add, .minusEqual: .subtract, .starEqual: .multiply, .slashEqual: .divide,
        ]
        guard let op = operators[peek.kind] else {
            return Stmt(kind: .expression(expr), range: expr.range)
        }
        let opToken = advance()
        let target = try assignTarget(expr, op: opToken)
        skipNewlines()
        let value = try expression()
        return Stmt(kind: .assign(target, op, value), range: expr.range.joined(value.range))
    }

    /// Checks that the left side of `=` can be assigned to.
    mutating func assignTarget(_ expr: Expr, op: Token) throws -> AssignTarget {
        switch expr.kind {
        case .name(let name): return .name(name)
        case .member(let object, let name, let nameRange): return .member(object, name: name, nameRange: nameRange)
        case .index(let object, let components): return .index(object, components)
        default:
            throw error("cannot assign to \(Parser.describe(expr)); only a name, a member (a.b) or an index (a[i]) can be assigned",
                        at: expr.range)
        }
    }

    /// How an expression is named in "cannot assign to …".
    static func describe(_ expr: Expr) -> String {
        switch expr.kind {
        case .number, .string, .interpolated, .bool, .nil_, .list, .dict: return "a literal"
        case .call: return "a function call"
        case .range: return "a range"
        case .function: return "a function"
        case .ifElse: return "an 'if' expression"
        default: return "an operator expression"
        }
    }

    mutating func block(after context: String) throws -> Block {
        guard let open = match(.leftBrace) else {
            var message = "expected '{' \(context)"
            if peek.kind == .equal { message += "; use '==' to compare, '=' assigns" }
            throw error(message, at: errorRange)
        }
        return try nested { parser in
            try parser.withNewlines(ignored: false) { parser in
                let statements = parser.statementList(until: .rightBrace)
                let close = try parser.expectClosing(.rightBrace, opener: open)
                let depth = 1 + (statements.map { Parser.depth(of: $0) }.max() ?? 0)
                return Block(statements: statements, range: open.range.joined(close.range), depth: depth)
            }
        }
    }

    mutating func functionDeclaration() throws -> Stmt {
        let decl = try functionLiteral()
        return Stmt(kind: .function(decl), range: decl.range)
    }

    /// `fn name? ( parameters ) block`, with 'fn' next.
    mutating func functionLiteral() throws -> FunctionDecl {
        let keyword = advance()
        var name: String?
        if let identifier = match(.identifier) { name = identifier.lexeme }
        guard let open = match(.leftParen) else {
            throw error(name == nil ? "expected a function name or '(' after 'fn'"
                                    : "expected '(' after function name '\(name!)'", at: errorRange)
        }
        let parameters = try withNewlines(ignored: true) { parser in try parser.parameterList(open: open) }
        let savedLoops = loopDepth
        loopDepth = 0
        functionDepth += 1
        defer {
            loopDepth = savedLoops
            functionDepth -= 1
        }
        let body = try block(after: "to begin the function body")
        return FunctionDecl(name: name, parameters: parameters, body: body, range: keyword.range.joined(body.range))
    }

    /// `a, b: 2` up to and including ')'.
    mutating func parameterList(open: Token) throws -> [ParameterDecl] {
        var parameters: [ParameterDecl] = []
        while !check(.rightParen) {
            guard let name = match(.identifier) else {
                if check(.eof) || check(.leftBrace) { _ = try expectClosing(.rightParen, opener: open) }
                throw error("expected a parameter name, got \(peek.displayName)", at: errorRange)
            }
            if parameters.contains(where: { $0.name == name.lexeme }) {
                throw error("duplicate parameter '\(name.lexeme)'", at: name.range)
            }
            var defaultValue: Expr?
            if match(.colon) != nil {
                defaultValue = try expression()
            } else if check(.equal) {
                throw error("parameter defaults use ':', as in '\(name.lexeme): 1'", at: peek.range)
            } else if let previous = parameters.last, previous.defaultValue != nil {
                throw error("parameter '\(name.lexeme)' needs a default value because it follows '\(previous.name)', which has one",
                            at: name.range)
            }
            let range = defaultValue.map { name.range.joined($0.range) } ?? name.range
            parameters.append(ParameterDecl(name: name.lexeme, defaultValue: defaultValue, range: range))
            if match(.comma) == nil { break }
        }
        _ = try expectClosing(.rightParen, opener: open)
        return parameters
    }

    mutating func forStatement() throws -> Stmt {
        let keyword = advance()
        var names: [String] = []
        repeat {
            guard let name = match(.identifier) else {
                throw error("expected a loop variable name after '\(names.isEmpty ? "for" : ",")', got \(peek.displayName)",
                            at: errorRange)
            }
            names.append(name.lexeme)
        } while match(.comma) != nil
        let got = peek.displayName
        try expect(.in_, "expected 'in' after the loop variable, got \(got)")
        let iterable = try expression()
        loopDepth += 1
        defer { loopDepth -= 1 }
        let body = try block(after: "to begin the body of the 'for' loop")
        return Stmt(kind: .for_(names: names, iterable: iterable, body: body), range: keyword.range.joined(body.range))
    }

    mutating func whileStatement() throws -> Stmt {
        let keyword = advance()
        let condition = try expression()
        loopDepth += 1
        defer { loopDepth -= 1 }
        let body = try block(after: "after the 'while' condition")
        return Stmt(kind: .while_(condition: condition, body: body), range: keyword.range.joined(body.range))
    }

    mutating func returnStatement() throws -> Stmt {
        let keyword = advance()
        guard functionDepth > 0 else { throw error("'return' outside a function", at: keyword.range) }
        if [.newline, .semicolon, .rightBrace, .eof].contains(peek.kind) {
            return Stmt(kind: .return_(nil), range: keyword.range)
        }
        let value = try expression()
        return Stmt(kind: .return_(value), range: keyword.range.joined(value.range))
    }

    mutating func loopJump() throws -> Stmt {
        let keyword = advance()
        guard loopDepth > 0 else { throw error("'\(keyword.lexeme)' outside a loop", at: keyword.range) }
        return Stmt(kind: keyword.kind == .break_ ? .break_ : .continue_, range: keyword.range)
    }

    mutating func helpStatement() throws -> Stmt {
        let mark = advance()
        if [.newline, .semicolon, .rightBrace, .eof].contains(peek.kind) {
            return Stmt(kind: .help(nil), range: mark.range)
        }
        let subject = try expression()
        return Stmt(kind: .help(subject), range: mark.range.joined(subject.range))
    }

    // MARK: - Depth

    static func depth(of statement: Stmt) -> Int {
        switch statement.kind {
        case .expression(let expr), .help(.some(let expr)), .return_(.some(let expr)): return expr.depth
        case .assign(let target, _, let value):
            return max(value.depth, Parser.depth(of: target)) + 1
        case .function(let decl): return decl.body.depth + 1
        case .for_(_, let iterable, let body): return max(iterable.depth, body.depth) + 1
        case .while_(let condition, let body): return max(condition.depth, body.depth) + 1
        default: return 1
        }
    }

    static func depth(of target: AssignTarget) -> Int {
        switch target {
        case .name: return 1
        case .member(let object, _, _): return object.depth + 1
        case .index(let object, let components): return max(object.depth, Parser.depth(of: components)) + 1
        }
    }

    static func depth(of components: [IndexExpr]) -> Int {
        components.map { component -> Int in
            switch component {
            case .value(let expr): return expr.depth
            case .slice(let start, let stop, let step, _):
                return [start, stop, step].compactMap { $0?.depth }.max() ?? 0
            }
        }.max() ?? 0
    }
}
