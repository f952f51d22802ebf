import Foundation

/// The expression rules, loosest-binding first:
///
///     expression  → or
///     or          → and ( ( 'or' | '||' ) and )*
///     and         → not ( ( 'and' | '&&' ) not )*
///     not         → ( 'not' | '!' ) not | comparison
///     comparison  → range ( ( '==' | '!=' | '<' | '<=' | '>' | '>=' ) range )*
///     range       → additive ( ( '..<' | '...' ) additive )?
///     additive    → multiplicative ( ( '+' | '-' ) multiplicative )*
///     multiplicative → unary ( ( '*' | '/' | '%' | '@' ) unary )*
///     unary       → '-' unary | power
///     power       → postfix ( '**' unary )?                      right-associative, above unary '-'
///     postfix     → primary ( '(' arguments ')' | '[' index ']' | '.' NAME )*
///     primary     → NUMBER | STRING | 'true' | 'false' | 'nil' | NAME | '(' expression ')'
///                 | '[' list ']' | '{' dict '}' | 'fn' NAME? '(' parameters ')' block | ifExpr
///     ifExpr      → 'if' expression block ( 'else' ( ifExpr | block ) )?
///
/// A line may continue after a binary operator.
extension Parser {
    /// The deepest tree the parser builds; left-associative chains (`a + b + …`) grow trees
    /// without recursing, so they are bounded here rather than by `maxNesting`.
    static let maxTreeDepth = 2 * maxNesting

    /// Builds a node, keeping the tree depth bounded.
    mutating func make(_ kind: ExprKind, _ range: SourceRange, _ children: [Expr], extraDepth: Int = 0) throws -> Expr {
        let depth = 1 + max(children.map(\.depth).max() ?? 0, extraDepth)
        if depth > Parser.maxTreeDepth {
            throw error("expression too deeply nested or too long (limit \(Parser.maxTreeDepth) levels)", at: range)
        }
        return Expr(kind: kind, range: range, depth: depth)
    }

    /// Tokens that may label an argument: names, and keywords too (`f(in: 1)` is unambiguous).
    static let labelKinds = Set(Lexer.keywords.values).union([.identifier])

    mutating func expression() throws -> Expr {
        try nested { try $0.orExpression() }
    }

    mutating func orExpression() throws -> Expr {
        var left = try andExpression()
        while match(.or, .pipePipe) != nil {
            skipNewlines()
            let right = try andExpression()
            left = try make(.logical(.or, left, right), left.range.joined(right.range), [left, right])
        }
        return left
    }

    mutating func andExpression() throws -> Expr {
        var left = try notExpression()
        while match(.and, .ampAmp) != nil {
            skipNewlines()
            let right = try notExpression()
            left = try make(.logical(.and, left, right), left.range.joined(right.range), [left, right])
        }
        return left
    }

    mutating func notExpression() throws -> Expr {
        guard let op = match(.not, .bang) else { return try comparison() }
        return try nested { parser in
            let operand = try parser.notExpression()
            return try parser.make(.not(operand), op.range.joined(operand.range), [operand])
        }
    }

    mutating func comparison() throws -> Expr {
        let operators: [TokenKind: BinaryOperator] = [
            .equalEqual: .equal, .bangEqual: .notEqual, .less: .less, .lessEqual: .lessEqual,
            .greater: .greater, .greaterEqual: .greaterEqual,
        ]
        return try binaryChain(operators) { try $0.rangeExpression() }
    }

    mutating func rangeExpression() throws -> Expr {
        let lower = try additive()
        guard let op = match(.halfOpenRange, .closedRange) else { return lower }
        skipNewlines()
        let upper = try additive()
        return try make(.range(lower, upper, inclusive: op.kind == .closedRange),
                        lower.range.joined(upper.range), [lower, upper])
    }

    mutating func additive() throws -> Expr {
        try binaryChain([.plus: .add, .minus: .subtract]) { try $0.multiplicative() }
    }

    mutating func multiplicative() throws -> Expr {
        let operators: [TokenKind: BinaryOperator] = [
            .star: .multiply, .slash: .divide, .percent: .remainder, .at: .matmul,
        ]
        return try binaryChain(operators) { try $0.unary() }
    }

    /// `operand ( op operand )*`, left-associative.
    mutating func binaryChain(_ operators: [TokenKind: BinaryOperator],
                              operand: (inout Parser) throws -> Expr) throws -> Expr {
        var left = try operand(&self)
        while let op = operators[peek.kind] {
            advance()
            skipNewlines()
            let right = try operand(&self)
            left = try make(.binary(op, left, right), left.range.joined(right.range), [left, right])
        }
        return left
    }

    mutating func unary() throws -> Expr {
        guard let op = match(.minus) else { return try power() }
        return try nested { parser in
            let operand = try parser.unary()
            return try parser.make(.unary(.negate, operand), op.range.joined(operand.range), [operand])
        }
    }

    mutating func power() throws -> Expr {
        let base = try postfix()
        guard match(.starStar) != nil else { return base }
        skipNewlines()
        let exponent = try nested { try $0.unary() }
        return try make(.binary(.power, base, exponent), base.range.joined(exponent.range), [base, exponent])
    }

    mutating func postfix() throws -> Expr {
        var expr = try primary()
        while true {
            if let open = match(.leftParen) {
                let (arguments, close) = try callArguments(open: open)
                expr = try make(.call(expr, arguments), expr.range.joined(close.range),
                                [expr] + arguments.map(\.value))
            } else if let open = match(.leftBracket) {
                let (components, close) = try indexComponents(open: open)
                expr = try make(.index(expr, components), expr.range.joined(close.range), [expr],
                                extraDepth: Parser.depth(of: components))
            } else if match(.dot) != nil {
                guard let name = match(.identifier) else {
                    throw error("expected a member name after '.', got \(peek.displayName)", at: errorRange)
                }
                expr = try make(.member(expr, name: name.lexeme, nameRange: name.range),
                                expr.range.joined(name.range), [expr])
            } else {
                return expr
            }
        }
    }

    /// `positional…, label: value…` up to and including ')'.
    mutating func callArguments(open: Token) throws -> ([Argument], Token) {
        try withNewlines(ignored: true) { parser in
            var arguments: [Argument] = []
            var firstNamed: Token?
            while !parser.check(.rightParen) && !parser.check(.eof) {
                if Parser.labelKinds.contains(parser.peek.kind), parser.peekNext.kind == .colon {
                    let label = parser.advance()
                    parser.advance()
                    if arguments.contains(where: { $0.label == label.lexeme }) {
                        throw parser.error("duplicate argument '\(label.lexeme)'", at: label.range)
                    }
                    let value = try parser.expression()
                    arguments.append(Argument(label: label.lexeme, labelRange: label.range, value: value))
                    firstNamed = firstNamed ?? label
                } else {
                    if parser.peek.kind == .identifier, parser.peekNext.kind == .equal {
                        throw parser.error("named arguments use ':', as in '\(parser.peek.lexeme): …'",
                                           at: parser.peekNext.range)
                    }
                    let value = try parser.expression()
                    if let named = firstNamed {
                        throw parser.error("positional argument after named argument '\(named.lexeme)'; put positional arguments first",
                                           at: value.range)
                    }
                    arguments.append(Argument(label: nil, labelRange: nil, value: value))
                }
                if parser.match(.comma) == nil { break }
            }
            let close = try parser.expectClosing(.rightParen, opener: open)
            return (arguments, close)
        }
    }

    /// `i`, `a:b:c` and comma-separated combinations, up to and including ']'.
    mutating func indexComponents(open: Token) throws -> ([IndexExpr], Token) {
        try withNewlines(ignored: true) { parser in
            if parser.check(.rightBracket) {
                throw parser.error("expected an index inside '[]'", at: parser.peek.range)
            }
            var components: [IndexExpr] = []
            repeat {
                components.append(try parser.indexComponent())
            } while parser.match(.comma) != nil
            let close = try parser.expectClosing(.rightBracket, opener: open)
            return (components, close)
        }
    }

    mutating func indexComponent() throws -> IndexExpr {
        let first = peek.range
        let start: Expr? = check(.colon) ? nil : try expression()
        guard match(.colon) != nil else { return .value(start!) }
        let stop = try sliceBound()
        let step = match(.colon) != nil ? try sliceBound() : nil
        return .slice(start: start, stop: stop, step: step, range: first.joined(previous.range))
    }

    /// An optional bound in `a:b:c`; absent before ':', ',' or ']'.
    mutating func sliceBound() throws -> Expr? {
        [.colon, .comma, .rightBracket].contains(peek.kind) ? nil : try expression()
    }

    // MARK: - Primary

    mutating func primary() throws -> Expr {
        let token = peek
        switch token.kind {
        case .number:
            advance()
            return Expr(kind: .number(token.number), range: token.range)
        case .string:
            advance()
            return try stringLiteral(token)
        case .true_, .false_:
            advance()
            return Expr(kind: .bool(token.kind == .true_), range: token.range)
        case .nil_:
            advance()
            return Expr(kind: .nil_, range: token.range)
        case .identifier:
            advance()
            return Expr(kind: .name(token.lexeme), range: token.range)
        case .leftParen:
            return try grouping()
        case .leftBracket:
            return try listLiteral()
        case .leftBrace:
            return try dictLiteral()
        case .fn:
            let decl = try functionLiteral()
            return try make(.function(decl), decl.range, [], extraDepth: decl.body.depth)
        case .if_:
            let keyword = advance()
            let branch = try ifBranch()
            return try make(.ifElse(branch), keyword.range.joined(previous.range), [], extraDepth: Parser.depth(of: branch))
        default:
            throw error("expected an expression, got \(token.displayName)", at: errorRange)
        }
    }

    mutating func grouping() throws -> Expr {
        let open = advance()
        return try withNewlines(ignored: true) { parser in
            if parser.check(.rightParen) {
                throw parser.error("expected an expression inside '()'", at: parser.peek.range)
            }
            var inner = try parser.expression()
            let close = try parser.expectClosing(.rightParen, opener: open)
            inner.range = open.range.joined(close.range)
            return inner
        }
    }

    mutating func listLiteral() throws -> Expr {
        let open = advance()
        return try withNewlines(ignored: true) { parser in
            var elements: [Expr] = []
            while !parser.check(.rightBracket) && !parser.check(.eof) {
                elements.append(try parser.expression())
                if parser.match(.comma) == nil { break }
            }
            let close = try parser.expectClosing(.rightBracket, opener: open)
            return try parser.make(.list(elements), open.range.joined(close.range), elements)
        }
    }

    mutating func dictLiteral() throws -> Expr {
        let open = advance()
        return try withNewlines(ignored: true) { parser in
            var entries: [(key: Expr, value: Expr)] = []
            while !parser.check(.rightBrace) && !parser.check(.eof) {
                let key = try parser.expression()
                let got = parser.peek.displayName
                try parser.expect(.colon, "expected ':' after dict key, got \(got)")
                let value = try parser.expression()
                entries.append((key, value))
                if parser.match(.comma) == nil { break }
            }
            let close = try parser.expectClosing(.rightBrace, opener: open)
            return try parser.make(.dict(entries), open.range.joined(close.range), entries.flatMap { [$0.key, $0.value] })
        }
    }

    /// The condition, block and optional `else` of an `if` ('if' already consumed).
    mutating func ifBranch() throws -> IfBranch {
        try nested { parser in
            let condition = try parser.expression()
            let then = try parser.block(after: "after the 'if' condition")
            // `else` may start the next line: `}` newline `else {`.
            var look = parser.current
            while parser.tokens[look].kind == .newline { look += 1 }
            guard parser.tokens[look].kind == .else_ else {
                return IfBranch(condition: condition, then: then, otherwise: nil)
            }
            parser.current = look + 1
            if let keyword = parser.match(.if_) {
                let branch = try parser.ifBranch()
                return IfBranch(condition: condition, then: then,
                                otherwise: .elseIf(branch, keyword.range.joined(parser.previous.range)))
            }
            let otherwise = try parser.block(after: "after 'else'")
            return IfBranch(condition: condition, then: then, otherwise: .block(otherwise))
        }
    }

    static func depth(of branch: IfBranch) -> Int {
        var depth = max(branch.condition.depth, branch.then.depth)
        switch branch.otherwise {
        case .elseIf(let next, _): depth = max(depth, Parser.depth(of: next) + 1)
        case .block(let block): depth = max(depth, block.depth)
        case nil: break
        }
        return depth + 1
    }

    /// A string token: plain text, or text and interpolated expressions parsed from the
    /// tokens the lexer collected.
    mutating func stringLiteral(_ token: Token) throws -> Expr {
        if token.segments.count == 1, case .text(let text) = token.segments[0] {
            return Expr(kind: .string(text), range: token.range)
        }
        var parts: [InterpolationPart] = []
        var children: [Expr] = []
        for segment in token.segments {
            switch segment {
            case .text(let text):
                parts.append(.text(text))
            case .interpolation(let tokens, let range):
                if tokens.count == 1 {
                    throw error("empty string interpolation '\\()'", at: range)
                }
                var sub = Parser(tokens: tokens, source: source)
                sub.nesting = nesting
                sub.newlineModes = [true]
                let expr: Expr?
                do {
                    let parsed = try sub.expression()
                    if !sub.check(.eof) {
                        throw sub.error("unexpected \(sub.peek.displayName) in string interpolation", at: sub.peek.range)
                    }
                    expr = parsed
                } catch {
                    expr = nil
                }
                diagnostics += sub.diagnostics
                guard let expr else { throw ParseError() }
                parts.append(.expr(expr))
                children.append(expr)
            }
        }
        return try make(.interpolated(parts), token.range, children)
    }
}
