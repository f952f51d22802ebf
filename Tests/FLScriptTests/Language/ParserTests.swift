import Testing
@testable import FLScript

@Suite("Parser")
struct ParserTests {
    @Test(arguments: [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("2 ** 3 ** 2", "(** 2 (** 3 2))"),
        ("-2 ** 2", "(neg (** 2 2))"),
        ("2 ** -1", "(** 2 (neg 1))"),
        ("a @ b * c", "(* (@ a b) c)"),
        ("a % b + c", "(+ (% a b) c)"),
        ("a < b == c", "(== (< a b) c)"),
        ("not a == b", "(not (== a b))"),
        ("!a && b || c", "(or (and (not a) b) c)"),
        ("a or b and c", "(or a (and b c))"),
        ("0..<n + 1", "(..< 0 (+ n 1))"),
        ("1...3 == r", "(== (... 1 3) r)"),
        ("f(x)(y).z[0]", "([] (. (call (call f x) y) z) 0)"),
        ("run.step(\"task\")", "(call (. run step) \"task\")"),
        ("experiment(bench, net, lr: 0.1, epochs: 4)", "(call experiment bench net lr:0.1 epochs:4)"),
        ("ewc(lambda: 15)", "(call ewc lambda:15)"),
        ("f(in: 1)", "(call f in:1)"),
        ("t[0, 1:3]", "([] t 0 1:3:_)"),
        ("x[:2]", "([] x _:2:_)"),
        ("x[::2]", "([] x _:_:2)"),
        ("x[-1:]", "([] x (neg 1):_:_)"),
        ("[1, [2], {}]", "[1 [2] {}]"),
        ("{\"a\": 1, 2: [3]}", "{\"a\":1 2:[3]}"),
        ("fn (x, y: 2) { x * y }", "(fn (x y:2) {(* x y)})"),
        ("if a { 1 } else if b { 2 } else { 3 }", "(if a {1} (if b {2} {3}))"),
        ("\"acc \\(x * 100)%\"", "(str \"acc \" (* x 100) \"%\")"),
        ("x = 1; y = 2", "(= x 1) (= y 2)"),
        ("x += 1", "(+= x 1)"),
        ("run.stability = ewc(lambda: 15)", "(= (. run stability) (call ewc lambda:15))"),
        ("l[0] *= 2", "(*= ([] l 0) 2)"),
        ("for i, x in enumerate(l) { continue }", "(for i,x (call enumerate l) {continue})"),
        ("while true { break }", "(while true {break})"),
        ("?run.pkb", "(? (. run pkb))"),
        ("?", "(? )"),
    ])
    func parsesWithUsualPrecedenceAndAssociativity(_ source: String, _ tree: String) {
        #expect(sexpr(source) == tree)
    }

    @Test func theDesignDocumentsExampleSessionParses() {
        let source = """
            bench = benchmark("seq-digits", seed: 1)            # named arguments after positional ones
            net   = mlp(inputs: 64, hidden: [100, 100])
            run   = experiment(bench, net, strategy: lwf_mc(wd_reg: 5e-5),
                               flashback: flashback(alpha_p: 0.01, epochs: 2),
                               lr: 0.1, batch: 32, epochs: 4, seed: 1)
            run.step("task")                 # or "batch", "epoch", "phase"; run.run() to the end
            run.pkb                          # prints a summary of the plastic knowledge base
            run.pkb.logits[0:4]              # tensors index and slice
            run.stability = ewc(lambda: 15)  # swap a regularizer mid-run
            for t in 0..<3 { run.step("task") }
            fn acc_gain(a, b) { return a.metrics.avg_acc - b.metrics.avg_acc }
            plot(run.accuracy)               # terminal heat-map; plot(..., file: "acc.svg") writes SVG
            save(run, "after-task-2.ckpt")   # snapshot; restore("after-task-2.ckpt") forks
            """
        #expect(syntaxErrors(source).isEmpty)
    }

    @Test func newlinesInsideBracketsAreIgnoredSoCallsSpanLines() {
        let source = """
            run = experiment(bench, net,
                             lr: 0.1,
                             epochs: 4)
            l = [
              1,
              2,
            ]
            d = {
              "a": 1
            }
            """
        #expect(sexpr(source) == "(= run (call experiment bench net lr:0.1 epochs:4)) (= l [1 2]) (= d {\"a\":1})")
    }

    @Test func blocksInsideBracketsMakeNewlinesSignificantAgain() {
        let source = "m = map(fn (x) {\n  y = x * 2\n  y + 1\n}, l)"
        #expect(sexpr(source) == "(= m (call map (fn (x) {(= y (* x 2)); (+ y 1)}) l))")
    }

    @Test func aLineContinuesAfterABinaryOperatorAndElseMayStartTheNextLine() {
        #expect(sexpr("x = 1 +\n  2") == "(= x (+ 1 2))")
        #expect(sexpr("if a {\n  1\n}\nelse {\n  2\n}") == "(if a {1} {2})")
    }

    @Test func commentsAndBlankLinesSeparateNothing() {
        #expect(sexpr("# setup\n\nx = 1  # one\n\n\ny = 2\n") == "(= x 1) (= y 2)")
    }

    struct ErrorCase: CustomTestStringConvertible, Sendable {
        var source: String
        var rendered: String
        var testDescription: String { source }
        init(_ source: String, _ rendered: String) {
            self.source = source
            self.rendered = rendered
        }
    }

    /// Every message the parser can produce, with its position and caret.
    static let errorCases: [ErrorCase] = [
        ErrorCase("f(1, 2", """
            test.fl:1:7: error: expected ')' to close '(' at 1:2
            f(1, 2
                  ^
            """),
        ErrorCase("x = [1, 2", """
            test.fl:1:10: error: expected ']' to close '[' at 1:5
            x = [1, 2
                     ^
            """),
        ErrorCase("d = {\"a\": 1", """
            test.fl:1:12: error: expected '}' to close '{' at 1:5
            d = {"a": 1
                       ^
            """),
        ErrorCase("if x {\n  y = 1\n", """
            test.fl:2:8: error: expected '}' to close '{' at 1:6
              y = 1
                   ^
            """),
        ErrorCase("f(\n1,\n2\nz = 1", """
            test.fl:3:2: error: expected ')' to close '(' at 1:2
            2
             ^
            """),
        ErrorCase("x = 1 y = 2", """
            test.fl:1:7: error: expected newline or ';' between statements, got name 'y'
            x = 1 y = 2
                  ^
            """),
        ErrorCase("}", """
            test.fl:1:1: error: unmatched '}'
            }
            ^
            """),
        ErrorCase("else { 1 }", """
            test.fl:1:1: error: 'else' without a matching 'if'
            else { 1 }
            ^~~~
            """),
        ErrorCase("1 = x", """
            test.fl:1:1: error: cannot assign to a literal; only a name, a member (a.b) or an index (a[i]) can be assigned
            1 = x
            ^
            """),
        ErrorCase("f() = 3", """
            test.fl:1:1: error: cannot assign to a function call; only a name, a member (a.b) or an index (a[i]) can be assigned
            f() = 3
            ^~~
            """),
        ErrorCase("a + b = 1", """
            test.fl:1:1: error: cannot assign to an operator expression; only a name, a member (a.b) or an index (a[i]) can be assigned
            a + b = 1
            ^~~~~
            """),
        ErrorCase("0..<3 = 1", """
            test.fl:1:1: error: cannot assign to a range; only a name, a member (a.b) or an index (a[i]) can be assigned
            0..<3 = 1
            ^~~~~
            """),
        ErrorCase("fn () {} = 1", """
            test.fl:1:1: error: cannot assign to a function; only a name, a member (a.b) or an index (a[i]) can be assigned
            fn () {} = 1
            ^~~~~~~~
            """),
        ErrorCase("if a { 1 } = 2", """
            test.fl:1:1: error: cannot assign to an 'if' expression; only a name, a member (a.b) or an index (a[i]) can be assigned
            if a { 1 } = 2
            ^~~~~~~~~~
            """),
        ErrorCase("if x { 1 } else 2", """
            test.fl:1:17: error: expected '{' after 'else'
            if x { 1 } else 2
                            ^
            """),
        ErrorCase("if x = 1 { }", """
            test.fl:1:6: error: expected '{' after the 'if' condition; use '==' to compare, '=' assigns
            if x = 1 { }
                 ^
            """),
        ErrorCase("if x y", """
            test.fl:1:6: error: expected '{' after the 'if' condition
            if x y
                 ^
            """),
        ErrorCase("for x in l y", """
            test.fl:1:12: error: expected '{' to begin the body of the 'for' loop
            for x in l y
                       ^
            """),
        ErrorCase("while x y", """
            test.fl:1:9: error: expected '{' after the 'while' condition
            while x y
                    ^
            """),
        ErrorCase("fn f() y", """
            test.fl:1:8: error: expected '{' to begin the function body
            fn f() y
                   ^
            """),
        ErrorCase("fn 1", """
            test.fl:1:4: error: expected a function name or '(' after 'fn'
            fn 1
               ^
            """),
        ErrorCase("fn f x", """
            test.fl:1:6: error: expected '(' after function name 'f'
            fn f x
                 ^
            """),
        ErrorCase("fn f(1) {}", """
            test.fl:1:6: error: expected a parameter name, got number '1'
            fn f(1) {}
                 ^
            """),
        ErrorCase("fn f(a {}", """
            test.fl:1:8: error: expected ')' to close '(' at 1:5
            fn f(a {}
                   ^
            """),
        ErrorCase("fn f(a, a) {}", """
            test.fl:1:9: error: duplicate parameter 'a'
            fn f(a, a) {}
                    ^
            """),
        ErrorCase("fn f(a, b = 1) {}", """
            test.fl:1:11: error: parameter defaults use ':', as in 'b: 1'
            fn f(a, b = 1) {}
                      ^
            """),
        ErrorCase("fn f(a, b: 1, c) {}", """
            test.fl:1:15: error: parameter 'c' needs a default value because it follows 'b', which has one
            fn f(a, b: 1, c) {}
                          ^
            """),
        ErrorCase("for 1 in l {}", """
            test.fl:1:5: error: expected a loop variable name after 'for', got number '1'
            for 1 in l {}
                ^
            """),
        ErrorCase("for a, 1 in l {}", """
            test.fl:1:8: error: expected a loop variable name after ',', got number '1'
            for a, 1 in l {}
                   ^
            """),
        ErrorCase("for x of l {}", """
            test.fl:1:7: error: expected 'in' after the loop variable, got name 'of'
            for x of l {}
                  ^~
            """),
        ErrorCase("return 1", """
            test.fl:1:1: error: 'return' outside a function
            return 1
            ^~~~~~
            """),
        ErrorCase("break", """
            test.fl:1:1: error: 'break' outside a loop
            break
            ^~~~~
            """),
        ErrorCase("for x in l { fn f() { continue } }", """
            test.fl:1:23: error: 'continue' outside a loop
            for x in l { fn f() { continue } }
                                  ^~~~~~~~
            """),
        ErrorCase("a.1", """
            test.fl:1:3: error: expected a member name after '.', got number '1'
            a.1
              ^
            """),
        ErrorCase("f(lr: 1, lr: 2)", """
            test.fl:1:10: error: duplicate argument 'lr'
            f(lr: 1, lr: 2)
                     ^~
            """),
        ErrorCase("f(lr = 1)", """
            test.fl:1:6: error: named arguments use ':', as in 'lr: …'
            f(lr = 1)
                 ^
            """),
        ErrorCase("f(lr: 1, 2)", """
            test.fl:1:10: error: positional argument after named argument 'lr'; put positional arguments first
            f(lr: 1, 2)
                     ^
            """),
        ErrorCase("x[]", """
            test.fl:1:3: error: expected an index inside '[]'
            x[]
              ^
            """),
        ErrorCase("x = )", """
            test.fl:1:5: error: expected an expression, got ')'
            x = )
                ^
            """),
        ErrorCase("x = ", """
            test.fl:1:4: error: expected an expression, got end of input
            x = 
               ^
            """),
        ErrorCase("x = ()", """
            test.fl:1:6: error: expected an expression inside '()'
            x = ()
                 ^
            """),
        ErrorCase("d = {\"a\" 1}", """
            test.fl:1:10: error: expected ':' after dict key, got number '1'
            d = {"a" 1}
                     ^
            """),
        ErrorCase(#""\()""#, #"""
            test.fl:1:2: error: empty string interpolation '\()'
            "\()"
             ^~~
            """#),
        ErrorCase(#""\(1 2)""#, #"""
            test.fl:1:6: error: unexpected number '2' in string interpolation
            "\(1 2)"
                 ^
            """#),
    ]

    @Test(arguments: errorCases)
    func parserErrorReportsMessagePositionAndCaret(_ errorCase: ErrorCase) {
        let diagnostics = syntaxErrors(errorCase.source)
        #expect(diagnostics.count == 1, "\(Diagnostic.render(diagnostics))")
        #expect(firstRendered(diagnostics) == errorCase.rendered)
    }

    @Test func deepParenthesesFailCleanlyInsteadOfOverflowingTheStack() {
        let source = String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)
        let diagnostics = syntaxErrors(source)
        #expect(diagnostics.count == 1)
        #expect(diagnostics[0].message == "expression nested too deeply (limit \(Parser.maxNesting))")
    }

    @Test func longOperatorChainsFailCleanlyInsteadOfBuildingAnUnboundedTree() {
        let source = "x = " + Array(repeating: "1", count: 5_000).joined(separator: " + ")
        let diagnostics = syntaxErrors(source)
        #expect(diagnostics.map(\.message) == ["expression too deeply nested or too long (limit \(Parser.maxTreeDepth) levels)"])
    }

    @Test func deepUnaryMinusAndNotChainsAreBounded() {
        #expect(syntaxErrors("x = " + String(repeating: "-", count: 10_000) + "1").count == 1)
        #expect(syntaxErrors("x = " + String(repeating: "not ", count: 10_000) + "1").count == 1)
        #expect(syntaxErrors(String(repeating: "if a {", count: 10_000)).count >= 1)
    }

    @Test func recoveryReportsSeveralErrorsInOnePass() {
        let source = """
            x = (1 +
            y = 2
            z = ]
            fn f(a, a) { return }
            ok = 1
            w = [1, 2 3]
            """
        let diagnostics = syntaxErrors(source)
        #expect(diagnostics.map(\.headline) == [
            // `1 +` continues onto the next line, so the '(' is found unclosed at the '='.
            "test.fl:2:3: error: expected ')' to close '(' at 1:5",
            "test.fl:3:5: error: expected an expression, got ']'",
            "test.fl:4:9: error: duplicate parameter 'a'",
            "test.fl:6:11: error: expected ']' to close '[' at 6:5",
        ])
    }

    @Test func recoveryInsideABlockKeepsTheBlockStructure() {
        let source = """
            fn f(x) {
              y = {"a" 1}
              z = )
              return x
            }
            f(
            """
        let diagnostics = syntaxErrors(source)
        #expect(diagnostics.map(\.headline) == [
            "test.fl:2:12: error: expected ':' after dict key, got number '1'",
            "test.fl:3:7: error: expected an expression, got ')'",
            "test.fl:6:3: error: expected ')' to close '(' at 6:2",
        ])
    }

    @Test func diagnosticsRenderTabsInThePrefixSoTheCaretLinesUp() {
        let diagnostics = syntaxErrors("\tx = )")
        #expect(firstRendered(diagnostics) == "test.fl:1:6: error: expected an expression, got ')'\n\tx = )\n\t    ^")
    }

    @Test func inputCompletenessFollowsOpenBracketsAndTrailingOperators() {
        #expect(Syntax.isComplete("x = 1"))
        #expect(!Syntax.isComplete("run = experiment(bench,"))
        #expect(!Syntax.isComplete("fn f(x) {\n  x"))
        #expect(Syntax.isComplete("fn f(x) {\n  x\n}"))
        #expect(!Syntax.isComplete("l = [1,\n 2"))
        #expect(!Syntax.isComplete("x = 1 +"))
        #expect(!Syntax.isComplete("if a { 1 } else"))
        #expect(Syntax.isComplete("x = )"))            // too many closers: let the parser report it
        #expect(Syntax.isComplete("s = \"(unterminated"))  // a lexer error: report it now
        #expect(Syntax.isComplete("x = 1 # (comment"))
        #expect(Syntax.isComplete(""))
    }
}
