import Foundation

/// The kinds of tokens the lexer produces.
enum TokenKind: Hashable, Sendable {
    case identifier, number, string
    // Keywords.
    case fn, return_, if_, else_, for_, in_, while_, break_, continue_, true_, false_, nil_
    case and, or, not
    // Punctuation and operators.
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case comma, colon, semicolon, dot, question
    case plus, minus, star, slash, percent, starStar, at
    case equal, plusEqual, minusEqual, starEqual, slashEqual
    case equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case halfOpenRange, closedRange  // ..< and ...
    case bang, ampAmp, pipePipe
    case newline, eof
    /// A character or sequence the lexer could not make sense of (already diagnosed).
    case invalid
}

extension Lexer {
    /// The reserved words of the language.
    static let keywords: [String: TokenKind] = [
        "fn": .fn, "return": .return_, "if": .if_, "else": .else_, "for": .for_, "in": .in_,
        "while": .while_, "break": .break_, "continue": .continue_, "true": .true_, "false": .false_,
        "nil": .nil_, "and": .and, "or": .or, "not": .not,
    ]
}

/// A piece of a string literal: literal text, or the tokens of an interpolated `\( … )` expression.
enum StringSegment: Sendable {
    case text(String)
    case interpolation([Token], SourceRange)
}

/// One token with its source text and position.
struct Token: Sendable {
    var kind: TokenKind
    /// The exact source text of the token ("" for newline and end of input).
    var lexeme: String
    var range: SourceRange
    /// The value of a number literal.
    var number: Double = 0
    /// The pieces of a string literal.
    var segments: [StringSegment] = []

    init(kind: TokenKind, lexeme: String, range: SourceRange) {
        self.kind = kind
        self.lexeme = lexeme
        self.range = range
    }

    /// How the token is named in a parser message: `'('`, `end of input`, `newline`.
    var displayName: String {
        switch kind {
        case .eof: return "end of input"
        case .newline: return "newline"
        case .string: return "string"
        case .number: return "number '\(lexeme)'"
        case .identifier: return "name '\(lexeme)'"
        default: return "'\(lexeme)'"
        }
    }
}
