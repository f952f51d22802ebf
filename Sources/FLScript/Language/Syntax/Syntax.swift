import Foundation

/// Questions about source text that need no interpreter.
public enum Syntax {
    /// Whether `text` is a complete input, or the REPL should read a continuation line
    /// because a bracket or brace is still open or the last line ends in an operator.
    public static func isComplete(_ text: String) -> Bool {
        var lexer = Lexer(source: SourceFile(name: "<input>", text: text))
        let tokens = lexer.tokenize()
        // Malformed input (an unterminated string, say) is complete: show its errors now.
        if !lexer.diagnostics.isEmpty { return true }
        var depth = 0
        for token in tokens {
            switch token.kind {
            case .leftParen, .leftBracket, .leftBrace: depth += 1
            case .rightParen, .rightBracket, .rightBrace: depth -= 1
            default: break
            }
        }
        if depth > 0 { return false }
        // `x = 1 +` and `if ok {} else` continue on the next line.
        let continuing: Set<TokenKind> = [
            .plus, .minus, .star, .slash, .percent, .starStar, .at, .equal, .plusEqual, .minusEqual,
            .starEqual, .slashEqual, .equalEqual, .bangEqual, .less, .lessEqual, .greater, .greaterEqual,
            .halfOpenRange, .closedRange, .and, .or, .ampAmp, .pipePipe, .not, .bang, .else_, .comma, .dot,
        ]
        let last = tokens.last { $0.kind != .newline && $0.kind != .eof }
        return last.map { !continuing.contains($0.kind) } ?? true
    }

    /// The lexer and parser errors of `source`, without running it.
    public static func check(_ source: SourceFile) -> [Diagnostic] {
        Parser.parse(source).1
    }
}
