import Testing
@testable import FLScript

private func lex(_ text: String) -> (tokens: [Token], diagnostics: [Diagnostic]) {
    var lexer = Lexer(source: SourceFile(name: "test.fl", text: text))
    let tokens = lexer.tokenize()
    return (tokens, lexer.diagnostics)
}

private func kinds(_ text: String) -> [TokenKind] {
    lex(text).tokens.map(\.kind)
}

@Suite("Lexer")
struct LexerTests {
    @Test func operatorsAndPunctuationLexAsLongestMatch() {
        #expect(kinds("+ += - -= * *= ** / /= % @ = == != ! < <= > >= ..< ... && || ? . , : ;") == [
            .plus, .plusEqual, .minus, .minusEqual, .star, .starEqual, .starStar, .slash, .slashEqual, .percent, .at,
            .equal, .equalEqual, .bangEqual, .bang, .less, .lessEqual, .greater, .greaterEqual, .halfOpenRange,
            .closedRange, .ampAmp, .pipePipe, .question, .dot, .comma, .colon, .semicolon, .eof,
        ])
    }

    @Test func keywordsAreReservedButOtherLanguagesKeywordsAreNames() {
        #expect(kinds("fn return if else for in while break continue true false nil and or not") == [
            .fn, .return_, .if_, .else_, .for_, .in_, .while_, .break_, .continue_, .true_, .false_, .nil_,
            .and, .or, .not, .eof,
        ])
        #expect(kinds("lambda def let var class α_p") == [.identifier, .identifier, .identifier, .identifier, .identifier, .identifier, .eof])
    }

    @Test func numbersIncludingExponentsUnderscoresAndRangesWithoutSpaces() {
        let (tokens, diagnostics) = lex("1 2.5 5e-5 1E3 1_000 0..<3 1...2")
        #expect(diagnostics.isEmpty)
        #expect(tokens.filter { $0.kind == .number }.map(\.number) == [1, 2.5, 5e-5, 1000, 1000, 0, 3, 1, 2])
        #expect(kinds("0..<3") == [.number, .halfOpenRange, .number, .eof])
        #expect(kinds("x.y") == [.identifier, .dot, .identifier, .eof])
    }

    @Test func commentsAreDroppedAndNewlinesAreTokens() {
        #expect(kinds("a # comment (\nb") == [.identifier, .newline, .identifier, .eof])
    }

    @Test func tokenPositionsAreOneBasedLineAndColumn() {
        let tokens = lex("x = 1\n  foo(bar)").tokens
        let foo = tokens.first { $0.lexeme == "foo" }!
        #expect(foo.range.start == SourceLocation(line: 2, column: 3))
        #expect(foo.range.end == SourceLocation(line: 2, column: 6))
    }

    @Test func stringEscapesAreDecoded() {
        let token = lex(#""a\n\t\"\\\u{41}" 'it\'s'"#).tokens
        guard case .text(let first) = token[0].segments[0], case .text(let second) = token[1].segments[0] else {
            Issue.record("expected plain strings")
            return
        }
        #expect(first == "a\n\t\"\\A")
        #expect(second == "it's")
    }

    @Test func interpolationIsLexedIntoTokenSegments() {
        let token = lex(#""acc \(x + 1) of \(f("a"))""#).tokens[0]
        #expect(token.segments.count == 4)
        guard case .interpolation(let tokens, _) = token.segments[1] else {
            Issue.record("expected an interpolation")
            return
        }
        #expect(tokens.map(\.kind) == [.identifier, .plus, .number, .eof])
    }

    struct ErrorCase: CustomTestStringConvertible, Sendable {
        var source: String
        var rendered: String
        var testDescription: String { source }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(source: "x = $", rendered: """
            test.fl:1:5: error: unexpected character '$'
            x = $
                ^
            """),
        ErrorCase(source: "x = 1 .. 2", rendered: """
            test.fl:1:7: error: unexpected '..'; use '..<' for a half-open range or '...' for a closed one
            x = 1 .. 2
                  ^~
            """),
        ErrorCase(source: "a & b", rendered: """
            test.fl:1:3: error: unexpected character '&'; did you mean '&&'?
            a & b
              ^
            """),
        ErrorCase(source: "a | b", rendered: """
            test.fl:1:3: error: unexpected character '|'; did you mean '||'?
            a | b
              ^
            """),
        ErrorCase(source: "x = \\", rendered: """
            test.fl:1:5: error: unexpected '\\' outside a string
            x = \\
                ^
            """),
        ErrorCase(source: "x = 1e", rendered: """
            test.fl:1:5: error: malformed number '1e': the exponent needs digits
            x = 1e
                ^~
            """),
        ErrorCase(source: #""a\qb""#, rendered: #"""
            test.fl:1:3: error: unknown escape sequence '\q' in string
            "a\qb"
              ^~
            """#),
        ErrorCase(source: #""\u{zz}""#, rendered: #"""
            test.fl:1:2: error: malformed unicode escape; write it as \u{1F600}
            "\u{zz}"
             ^~~
            """#),
        ErrorCase(source: #"x = "abc"#, rendered: #"""
            test.fl:1:5: error: unterminated string: missing closing "
            x = "abc
                ^~~~
            """#),
        ErrorCase(source: #""a \(1 + 2""#, rendered: #"""
            test.fl:1:11: error: expected ')' to close string interpolation at 1:4
            "a \(1 + 2"
                      ^
            """#),
        ErrorCase(source: #""\("\("\("\("\("\("\("\("\(1)")")")")")")")")""#, rendered: #"""
            test.fl:1:26: error: string interpolations nested too deeply (limit 8)
            "\("\("\("\("\("\("\("\("\(1)")")")")")")")")"
                                     ^~
            """#),
    ]

    @Test(arguments: errorCases)
    func lexerErrorReportsPositionAndCaret(_ errorCase: ErrorCase) {
        let diagnostics = syntaxErrors(errorCase.source)
        #expect(diagnostics.count == 1, "\(Diagnostic.render(diagnostics))")
        #expect(firstRendered(diagnostics) == errorCase.rendered)
    }

    @Test func lexerKeepsGoingAfterAnError() {
        let diagnostics = syntaxErrors("a = $\nb = \"x\\q\"\nc = 1e")
        #expect(diagnostics.map { $0.range!.start.line } == [1, 2, 3])
    }
}
