import Testing
@testable import FLScript

@Suite("Help and completion")
struct HelpAndCompletionTests {
    @Test func helpForABuiltinShowsSummaryParametersWithDefaultsAndExample() {
        let expected = """
            print(values..., sep: " ", end: "\\n")
              Writes the values' text, separated by sep and followed by end.
              Parameters:
                values...  the values to print
                sep: " "   text between values
                end: "\\n"  text after the last value
              Example:
                print("acc", 0.93, sep: ": ")   # acc: 0.93

            """
        let session = LanguageSession()
        #expect(session.eval("help(print)") == expected)
        #expect(session.eval("?print") == expected)
        #expect(session.eval("help(\"print\")") == expected, "a string naming a builtin explains the builtin")
    }

    @Test func helpForAScriptFunctionShowsItsSignatureAndDocComment() {
        let session = LanguageSession()
        session.interpreter.run("x = 1\n# Accuracy gained by a over b.\n# Both are experiments.\nfn gain(a, b: nil, scale: 100) {\n  1\n}", file: "nb.flnb")
        #expect(session.eval("?gain") == """
            fn gain(a, b: nil, scale: 100)
              Accuracy gained by a over b.
              Both are experiments.
              Defined at nb.flnb:4.

            """)
    }

    @Test func helpForValuesOfBuiltinTypesListsTheirMethods() {
        let session = LanguageSession()
        let listHelp = session.eval("help([])")
        #expect(listHelp.hasPrefix("list: A mutable sequence, shared by reference"))
        #expect(listHelp.contains("    append()    Adds a value at the end of the list.\n"))
        #expect(session.eval("?{}").contains("get()       The value for key, or default when the key is absent."))
        #expect(session.eval("?\"text\"").contains("format()"))
        #expect(session.eval("?3") == "number: 3\n")
        #expect(session.eval("?(0..<4)") == "range 0..<4: 4 numbers; iterate with for, or make a list with list(r).\n")
    }

    @Test func helpWithoutASubjectListsEveryBuiltin() {
        let overview = LanguageSession().eval("help()")
        #expect(overview.hasPrefix("Type help(x) or ?x to explain any value"))
        for name in ["print", "len", "sorted", "zip", "help", "assert", "format"] {
            #expect(overview.contains("\n  \(name)("), "\(name) is listed")
        }
        #expect(LanguageSession().eval("?") == overview)
    }

    @Test func everyCoreBuiltinHasASummaryAndAnExample() {
        for builtin in CoreLibrary.builtins() {
            #expect(!builtin.summary.isEmpty, "\(builtin.name) has a summary")
            #expect(!builtin.example.isEmpty, "\(builtin.name) has an example")
            for parameter in builtin.signature.parameters {
                #expect(!parameter.doc.isEmpty, "\(builtin.name)(\(parameter.name)) is documented")
            }
        }
        for members in [Methods.listMembers, Methods.dictMembers, Methods.stringMembers] {
            #expect(members.allSatisfy { !$0.summary.isEmpty })
        }
    }

    @Test func helpOnAnUnknownNameSuggestsTheCloseOne() {
        let session = LanguageSession()
        session.run("lambda = 15")
        #expect(session.error("?lamda") == "test.fl:1:2: error: unknown name 'lamda'; did you mean 'lambda'?")
    }

    // MARK: - Completion

    func session() -> LanguageSession {
        let session = LanguageSession()
        session.interpreter.define(Builtin("experiment", summary: "A run.",
                                           parameters: [.required("bench"), .required("net"), .optional("lr", default: 0.1, "learning rate"),
                                                        .optional("epochs", default: 4), .optional("seed", default: 0)]) { _ in .null })
        session.run("bench = 1; net = 2; best_acc = 0.9; history = [1]; config = {\"lr\": 1}")
        session.run("fn train(model, learning_rate: 0.1, levels: 2) { }")
        return session
    }

    @Test func completesGlobalNamesBuiltinsAndKeywords() {
        let interpreter = session().interpreter
        #expect(interpreter.completions(line: "be", cursor: 2) == ["bench", "best_acc"])
        #expect(interpreter.completions(line: "x = so", cursor: 6) == ["sorted"])
        #expect(interpreter.completions(line: "wh", cursor: 2) == ["while"])
        #expect(interpreter.completions(line: "print(his", cursor: 9) == ["history"])
    }

    @Test func completesNamedArgumentsOfTheOpenCall() {
        let interpreter = session().interpreter
        #expect(interpreter.completions(line: "experiment(bench, net, le", cursor: 25) == ["lr:", "len"],
                "'le' finds lr through its doc, 'learning rate'; then names")
        #expect(interpreter.completions(line: "run = experiment(bench, net, lr: 0.1, e", cursor: 39).first == "epochs:")
        #expect(interpreter.completions(line: "experiment(bench, net, lr: 0.1, ", cursor: 32).prefix(2) == ["epochs:", "seed:"])
        #expect(!interpreter.completions(line: "experiment(bench, net, lr: 0.1, ", cursor: 32).contains("lr:"),
                "labels already used, by name or by position, are not offered again")
        #expect(interpreter.completions(line: "train(m, le", cursor: 11) == ["learning_rate:", "levels:", "len"])
        #expect(interpreter.completions(line: "experiment(bench, max(1, 2), s", cursor: 30).first == "seed:",
                "labels belong to the innermost open call")
        #expect(interpreter.completions(line: "experiment(be", cursor: 13) == ["bench:", "bench", "best_acc"])
        #expect(interpreter.completions(line: "experiment(bench + be", cursor: 21) == ["bench", "best_acc"],
                "labels only start an argument")
    }

    @Test func completesMembersOfListsDictsAndStrings() {
        let interpreter = session().interpreter
        #expect(interpreter.completions(line: "history.ex", cursor: 10) == ["extend("])
        #expect(interpreter.completions(line: "config.ke", cursor: 9) == ["keys("])
        #expect(interpreter.completions(line: "bench.", cursor: 6) == [])
        #expect(interpreter.completions(line: "nothing.x", cursor: 9) == [])
    }

    @Test func completesNothingInsideStringsOrComments() {
        let interpreter = session().interpreter
        #expect(interpreter.completions(line: "print(\"be", cursor: 9) == [])
        #expect(interpreter.completions(line: "x = 1 # be", cursor: 10) == [])
    }

    @Test func completionUsesTheCursorNotTheEndOfTheLine() {
        let interpreter = session().interpreter
        #expect(interpreter.completions(line: "be + 1", cursor: 2) == ["bench", "best_acc"])
    }
}
