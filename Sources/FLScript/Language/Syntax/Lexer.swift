import Foundation

/// Turns source text into tokens, reporting malformed input as diagnostics and carrying on.
///
/// Comments run from `#` to the end of the line. Newlines are tokens (they separate
/// statements); the parser decides where they are insignificant. An interpolation `\( … )`
/// inside a string is lexed in place into the string token's segments.
struct Lexer {
    /// How deeply string interpolations may nest ("\("\(…)")"), so hostile input cannot
    /// exhaust the stack.
    static let maxInterpolationDepth = 8

    private let scalars: [Unicode.Scalar]
    private let source: SourceFile
    private var index = 0
    private var line: Int
    private var column = 1
    private var interpolationDepth = 0
    private(set) var diagnostics: [Diagnostic] = []

    init(source: SourceFile) {
        self.source = source
        self.scalars = Array(source.text.unicodeScalars)
        self.line = source.firstLine
    }

    /// Lexes the whole source; the last token is always `.eof`.
    mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = scanToken()
            tokens.append(token)
            if token.kind == .eof { return tokens }
        }
    }

    // MARK: - Scanning

    private var location: SourceLocation { SourceLocation(line: line, column: column) }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let position = index + offset
        return position < scalars.count ? scalars[position] : nil
    }

    @discardableResult
    private mutating func advance() -> Unicode.Scalar {
        let scalar = scalars[index]
        index += 1
        if scalar == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        return scalar
    }

    private mutating func match(_ scalar: Unicode.Scalar) -> Bool {
        guard peek() == scalar else { return false }
        advance()
        return true
    }

    private mutating func error(_ message: String, _ range: SourceRange) {
        diagnostics.append(Diagnostic(.error, message, at: range, in: source))
    }

    private mutating func skipWhitespaceAndComments() {
        while let scalar = peek() {
            if scalar == " " || scalar == "\t" || scalar == "\r" {
                advance()
            } else if scalar == "#" {
                while let next = peek(), next != "\n" { advance() }
            } else {
                return
            }
        }
    }

    private mutating func scanToken() -> Token {
        skipWhitespaceAndComments()
        let start = location
        let startIndex = index
        guard let scalar = peek() else {
            return Token(kind: .eof, lexeme: "", range: SourceRange(at: start))
        }
        if scalar == "\n" {
            advance()
            return Token(kind: .newline, lexeme: "", range: SourceRange(start, start))
        }
        if Lexer.isDigit(scalar) { return number(start: start) }
        if Lexer.isIdentifierStart(scalar) { return identifier(start: start) }
        if scalar == "\"" || scalar == "'" { return string(start: start) }
        advance()
        let kind = punctuation(after: scalar)
        var token = Token(kind: kind, lexeme: text(from: startIndex), range: SourceRange(start, location))
        if kind == .invalid {
            let message: String
            switch token.lexeme {
            case "..": message = "unexpected '..'; use '..<' for a half-open range or '...' for a closed one"
            case "&": message = "unexpected character '&'; did you mean '&&'?"
            case "|": message = "unexpected character '|'; did you mean '||'?"
            case "\\": message = "unexpected '\\' outside a string"
            default: message = "unexpected character '\(token.lexeme)'"
            }
            error(message, token.range)
            token.kind = .invalid
        }
        return token
    }

    /// The operator or punctuation starting with `first` (already consumed).
    private mutating func punctuation(after first: Unicode.Scalar) -> TokenKind {
        switch first {
        case "(": return .leftParen
        case ")": return .rightParen
        case "[": return .leftBracket
        case "]": return .rightBracket
        case "{": return .leftBrace
        case "}": return .rightBrace
        case ",": return .comma
        case ":": return .colon
        case ";": return .semicolon
        case "?": return .question
        case "@": return .at
        case "%": return .percent
        case "+": return match("=") ? .plusEqual : .plus
        case "-": return match("=") ? .minusEqual : .minus
        case "/": return match("=") ? .slashEqual : .slash
        case "*":
            if match("*") { return .starStar }
            return match("=") ? .starEqual : .star
        case "=": return match("=") ? .equalEqual : .equal
        case "!": return match("=") ? .bangEqual : .bang
        case "<": return match("=") ? .lessEqual : .less
        case ">": return match("=") ? .greaterEqual : .greater
        case "&": return match("&") ? .ampAmp : .invalid
        case "|": return match("|") ? .pipePipe : .invalid
        case ".":
            if peek() == ".", peek(1) == "<" { advance(); advance(); return .halfOpenRange }
            if peek() == ".", peek(1) == "." { advance(); advance(); return .closedRange }
            if peek() == "." { advance(); return .invalid }
            return .dot
        default: return .invalid
        }
    }

    private func text(from start: Int) -> String {
        var string = ""
        string.unicodeScalars.append(contentsOf: scalars[start..<index])
        return string
    }

    private mutating func number(start: SourceLocation) -> Token {
        let startIndex = index
        var malformed = false
        while let scalar = peek(), Lexer.isDigit(scalar) || scalar == "_" { advance() }
        // A '.' belongs to the number only when a digit follows, so `0..<3` lexes as 0 ..< 3.
        if peek() == ".", let next = peek(1), Lexer.isDigit(next) {
            advance()
            while let scalar = peek(), Lexer.isDigit(scalar) || scalar == "_" { advance() }
        }
        if peek() == "e" || peek() == "E" {
            let sign = peek(1) == "+" || peek(1) == "-"
            if let digit = peek(sign ? 2 : 1), Lexer.isDigit(digit) {
                advance()
                if sign { advance() }
                while let scalar = peek(), Lexer.isDigit(scalar) { advance() }
            } else if peek(1).map({ !Lexer.isIdentifierContinue($0) }) ?? true || sign {
                // `1e` or `1e+` with no exponent digits.
                advance()
                if sign { advance() }
                malformed = true
            }
        }
        let lexeme = text(from: startIndex)
        var token = Token(kind: .number, lexeme: lexeme, range: SourceRange(start, location))
        if malformed {
            error("malformed number '\(lexeme)': the exponent needs digits", token.range)
        } else {
            token.number = Double(lexeme.replacingOccurrences(of: "_", with: "")) ?? 0
        }
        return token
    }

    private mutating func identifier(start: SourceLocation) -> Token {
        let startIndex = index
        while let scalar = peek(), Lexer.isIdentifierContinue(scalar) { advance() }
        let lexeme = text(from: startIndex)
        return Token(kind: Lexer.keywords[lexeme] ?? .identifier, lexeme: lexeme, range: SourceRange(start, location))
    }

    private mutating func string(start: SourceLocation) -> Token {
        let startIndex = index
        let quote = advance()
        var segments: [StringSegment] = []
        var current = ""
        var terminated = false
        while let scalar = peek(), scalar != "\n" {
            if scalar == quote {
                advance()
                terminated = true
                break
            }
            if scalar != "\\" {
                current.unicodeScalars.append(advance())
                continue
            }
            let escapeStart = location
            advance()
            guard let escaped = peek(), escaped != "\n" else { break }
            advance()
            switch escaped {
            case "n": current.append("\n")
            case "t": current.append("\t")
            case "r": current.append("\r")
            case "0": current.append("\0")
            case "\\", "\"", "'": current.unicodeScalars.append(escaped)
            case "u": current.unicodeScalars.append(unicodeEscape(start: escapeStart))
            case "(":
                if !current.isEmpty { segments.append(.text(current)) }
                current = ""
                segments.append(interpolation(start: escapeStart, quote: quote))
            default:
                error("unknown escape sequence '\\\(escaped)' in string",
                      SourceRange(escapeStart, location))
            }
        }
        if !current.isEmpty || segments.isEmpty { segments.append(.text(current)) }
        var token = Token(kind: .string, lexeme: text(from: startIndex), range: SourceRange(start, location))
        token.segments = segments
        if !terminated {
            error("unterminated string: missing closing \(quote)", SourceRange(start, location))
        }
        return token
    }

    /// `\u{1F600}`: the scalar, or U+FFFD after reporting a malformed escape.
    private mutating func unicodeEscape(start: SourceLocation) -> Unicode.Scalar {
        var digits = ""
        if match("{") {
            while let scalar = peek(), scalar.properties.isASCIIHexDigit { digits.unicodeScalars.append(advance()) }
            if match("}"), let value = UInt32(digits, radix: 16), digits.count <= 8,
               let scalar = Unicode.Scalar(value) {
                return scalar
            }
        }
        error("malformed unicode escape; write it as \\u{1F600}", SourceRange(start, location))
        return "\u{FFFD}"
    }

    /// Lexes the tokens of `\( … )` up to the matching ')' (the `\(` is consumed). `quote`
    /// is the enclosing string's quote: met with no partner later on the line, it ends the
    /// string (the ')' is missing) rather than starting a nested string.
    private mutating func interpolation(start: SourceLocation, quote: Unicode.Scalar) -> StringSegment {
        var tokens: [Token] = []
        var depth = 0
        interpolationDepth += 1
        defer { interpolationDepth -= 1 }
        if interpolationDepth > Lexer.maxInterpolationDepth {
            error("string interpolations nested too deeply (limit \(Lexer.maxInterpolationDepth))",
                  SourceRange(start, location))
        }
        while true {
            skipWhitespaceAndComments()
            if peek() == nil || peek() == "\n" || (peek() == quote && !quoteFollowsOnLine(quote)) {
                error("expected ')' to close string interpolation at \(start)", SourceRange(at: location))
                break
            }
            if interpolationDepth > Lexer.maxInterpolationDepth, peek() == "\"" || peek() == "'" {
                advance()  // Do not recurse into another string; skip its quote.
                continue
            }
            let token = scanToken()
            if token.kind == .leftParen { depth += 1 }
            if token.kind == .rightParen {
                if depth == 0 { break }
                depth -= 1
            }
            tokens.append(token)
        }
        let end = SourceRange(at: location)
        tokens.append(Token(kind: .eof, lexeme: "", range: end))
        return .interpolation(tokens, SourceRange(start, location))
    }

    /// Whether `quote` occurs again on this line after the current position.
    private func quoteFollowsOnLine(_ quote: Unicode.Scalar) -> Bool {
        var position = index + 1
        while position < scalars.count, scalars[position] != "\n" {
            if scalars[position] == quote { return true }
            position += 1
        }
        return false
    }

    // MARK: - Character classes

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 48 && scalar.value <= 57
    }

    static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || (scalar.value < 128 ? (scalar.properties.isAlphabetic) : scalar.properties.isXIDStart)
    }

    static func isIdentifierContinue(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || isDigit(scalar) || (scalar.value >= 128 && scalar.properties.isXIDContinue)
    }
}
