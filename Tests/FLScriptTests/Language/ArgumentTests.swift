import Testing
@testable import FLScript

/// A builtin shaped like the strategy constructors the numeric modules will register.
private func flashbackBuiltin() -> Builtin {
    Builtin("flashback", summary: "Wraps a strategy with Flashback Learning's two-phase update.",
            parameters: [.optional("alpha_p", default: 0.01, "weight of the plastic knowledge base"),
                         .optional("epochs", default: 2, "epochs of Phase 2")],
            example: "flashback(alpha_p: 0.01, epochs: 2)") { args in
        .string("alpha_p=\(try args.number("alpha_p")) epochs=\(try args.int("epochs"))")
    }
}

private func experimentBuiltin() -> Builtin {
    Builtin("experiment", summary: "A continual-learning run.",
            parameters: [.required("bench", "the benchmark"), .required("net", "the model"),
                         .optional("lr", default: 0.1, "learning rate"), .optional("epochs", default: 4, "epochs per task")],
            example: "experiment(bench, net, lr: 0.1)") { args in
        .string("\(args["bench"].text)/\(args["net"].text) lr=\(Value.formatNumber(try args.number("lr"))) epochs=\(try args.int("epochs")) given=\(args.isGiven("lr"))")
    }
}

@Suite("Arguments")
struct ArgumentTests {
    func session() -> LanguageSession {
        let session = LanguageSession()
        session.interpreter.define([flashbackBuiltin(), experimentBuiltin()])
        return session
    }

    @Test func positionalThenNamedArgumentsWithDefaults() {
        let session = session()
        #expect(session.eval("experiment(\"b\", \"n\")") == "\"b/n lr=0.1 epochs=4 given=false\"\n")
        #expect(session.eval("experiment(\"b\", \"n\", epochs: 2, lr: 0.5)") == "\"b/n lr=0.5 epochs=2 given=true\"\n")
        #expect(session.eval("experiment(\"b\", \"n\", 0.2, 3)") == "\"b/n lr=0.2 epochs=3 given=true\"\n")
        #expect(session.eval("experiment(net: \"n\", bench: \"b\")") == "\"b/n lr=0.1 epochs=4 given=false\"\n")
    }

    @Test func scriptFunctionsTakeNamedAndDefaultArgumentsToo() {
        let session = session()
        session.run("fn scale(x, by: 2, offset: by * 10) { x * by + offset }")
        #expect(session.eval("scale(1)") == "22\n")
        #expect(session.eval("scale(1, by: 3)") == "33\n", "defaults may use earlier parameters")
        #expect(session.eval("scale(1, offset: 0)") == "2\n")
        #expect(session.eval("scale(x: 2, by: 1, offset: 1)") == "3\n")
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

    /// Every argument error, pointing at the argument at fault (or the call when none is).
    static let errorCases: [ErrorCase] = [
        ErrorCase("flashback(alpha_pp: 0.1)", """
            test.fl:1:11: error: unknown argument 'alpha_pp' to flashback(); did you mean 'alpha_p'?
            flashback(alpha_pp: 0.1)
                      ^~~~~~~~
            """),
        ErrorCase("flashback(alpha: 0.1)", """
            test.fl:1:11: error: unknown argument 'alpha' to flashback(); did you mean 'alpha_p'?
            flashback(alpha: 0.1)
                      ^~~~~
            """),
        ErrorCase("flashback(beta: 0.1)", """
            test.fl:1:11: error: unknown argument 'beta' to flashback()
            flashback(beta: 0.1)
                      ^~~~
            """),
        ErrorCase("experiment(\"b\")", """
            test.fl:1:1: error: missing argument 'net' to experiment()
            experiment("b")
            ^~~~~~~~~~~~~~~
            """),
        ErrorCase("experiment(lr: 1)", """
            test.fl:1:1: error: missing arguments 'bench', 'net' to experiment()
            experiment(lr: 1)
            ^~~~~~~~~~~~~~~~~
            """),
        ErrorCase("flashback(1, 2, 3)", """
            test.fl:1:17: error: flashback() takes 2 arguments, got 3
            flashback(1, 2, 3)
                            ^
            """),
        ErrorCase("experiment(\"b\", \"n\", bench: \"c\")", """
            test.fl:1:22: error: duplicate argument 'bench' to experiment(): it is already given by position
            experiment("b", "n", bench: "c")
                                 ^~~~~
            """),
        ErrorCase("experiment(\"b\", \"n\", lr: \"fast\")", """
            test.fl:1:26: error: lr: expected a number, got string
            experiment("b", "n", lr: "fast")
                                     ^~~~~~
            """),
        ErrorCase("flashback(epochs: 2.5)", """
            test.fl:1:19: error: epochs: expected an integer, got 2.5
            flashback(epochs: 2.5)
                              ^~~
            """),
        ErrorCase("fn f(a, b: 1) { a }\nf(1, 2, 3)", """
            test.fl:2:9: error: f() takes 2 arguments, got 3
            f(1, 2, 3)
                    ^
            """),
        ErrorCase("fn f(a) { a }\nf()", """
            test.fl:2:1: error: missing argument 'a' to f()
            f()
            ^~~
            """),
        ErrorCase("fn f() { 1 }\nf(1)", """
            test.fl:2:3: error: f() takes no arguments, got 1
            f(1)
              ^
            """),
        ErrorCase("fn f(lambda) { 1 }\nf(lamda: 1)", """
            test.fl:2:3: error: unknown argument 'lamda' to f(); did you mean 'lambda'?
            f(lamda: 1)
              ^~~~~
            """),
        ErrorCase("fn f(a) { a }\nf(1, a: 2)", """
            test.fl:2:6: error: duplicate argument 'a' to f(): it is already given by position
            f(1, a: 2)
                 ^
            """),
        ErrorCase("len([1], 2)", """
            test.fl:1:10: error: len() takes 1 argument, got 2
            len([1], 2)
                     ^
            """),
        ErrorCase("print(1, values: 2)", """
            test.fl:1:10: error: unknown argument 'values' to print()
            print(1, values: 2)
                     ^~~~~~
            """),
    ]

    @Test(arguments: errorCases)
    func argumentErrorPointsAtTheArgumentAtFault(_ errorCase: ErrorCase) {
        let result = session().run(errorCase.source).result
        #expect(firstRendered(result.diagnostics) == errorCase.rendered)
    }

    @Test func signatureResolutionIsAvailableToObjectsAndModules() throws {
        let signature = Signature(name: "sgd", parameters: [.required("lr"), .optional("momentum", default: 0.9)])
        let interpreter = Interpreter(output: { _ in })
        let arguments = try signature.resolve([(nil, 0.1), ("momentum", 0.5)], interpreter: interpreter)
        #expect(try arguments.number("lr") == 0.1)
        #expect(try arguments.number("momentum") == 0.5)
        #expect(signature.display == "sgd(lr, momentum: 0.9)")
        #expect(throws: ArgumentError.self) { try signature.resolve([("lrr", 0.1)], interpreter: interpreter) }
    }
}
