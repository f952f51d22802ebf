import Foundation
import Testing
@testable import FLScript

@Suite("Interpreter")
struct InterpreterTests {
    @Test(arguments: [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("10 - 4 - 3", "3"),
        ("2 ** 3 ** 2", "512"),
        ("-2 ** 2", "-4"),
        ("2 ** -1", "0.5"),
        ("7 % 3", "1"),
        ("-1 % 3", "2"),
        ("7 / 2", "3.5"),
        ("0.1 + 0.2", "0.30000000000000004"),
        ("1e-5", "1e-05"),
        ("3.0", "3"),
        ("-0.0", "0"),
        ("1e20", "1e+20"),
        ("1 < 2 and 2 < 3", "true"),
        ("not 1 == 2", "true"),
        ("!true || false", "false"),
        ("nil or \"default\"", "\"default\""),
        ("0 and crash()", "0"),
        ("1 == 1.0", "true"),
        ("[1, [2]] == [1, [2]]", "true"),
        ("{\"a\": 1} == {\"a\": 1}", "true"),
        ("\"ab\" < \"b\"", "true"),
        ("1 == \"1\"", "false"),
        ("\"ab\" * 3", "\"ababab\""),
        ("[0] * 3", "[0, 0, 0]"),
        ("[1] + [2]", "[1, 2]"),
        ("\"acc \\(0.5 * 2)!\"", "\"acc 1!\""),
        ("\"tab\\there\"", "\"tab\\there\""),
        ("0..<3", "0..<3"),
        ("len(1...3)", "3"),
        ("if 1 > 2 { \"a\" } else if 2 > 1 { \"b\" } else { \"c\" }", "\"b\""),
        ("nan = 0 / 1; nan", "0"),
    ])
    func expressionsEvaluateWithUsualPrecedence(_ source: String, _ echoed: String) {
        #expect(LanguageSession().eval(source) == echoed + "\n")
    }

    @Test func closuresCaptureTheirEnvironmentAndKeepStateAcrossCalls() {
        let session = LanguageSession()
        let output = session.eval("""
            fn counter() {
              count = 0
              fn () { count += 1; count }
            }
            a = counter()
            b = counter()
            a(); a()
            print(a(), b())
            """)
        #expect(output == "3 1\n")
    }

    @Test func recursionAndExplicitReturn() {
        let session = LanguageSession()
        #expect(session.eval("fn fib(n) { if n < 2 { return n }\n fib(n - 1) + fib(n - 2) }\nfib(20)") == "6765\n")
        #expect(session.eval("fn first_even(l) { for x in l { if x % 2 == 0 { return x } }\n nil }\nfirst_even([1, 3, 4, 6])") == "4\n")
        #expect(session.eval("first_even([1])") == "")
    }

    @Test func assignmentInsideAFunctionUpdatesTheNearestExistingBinding() {
        let session = LanguageSession()
        #expect(session.eval("total = 0\nfn add(x) { total += x }\nadd(2); add(3)\ntotal") == "5\n")
        #expect(session.eval("fn local() { fresh = 1 }\nlocal()\nfresh").contains("unknown name 'fresh'"))
    }

    @Test func listsAndDictsHaveReferenceSemantics() {
        let session = LanguageSession()
        #expect(session.eval("a = [1]\nb = a\nb.append(2)\na") == "[1, 2]\n")
        #expect(session.eval("fn push(l) { l.append(3) }\npush(a)\na") == "[1, 2, 3]\n")
        #expect(session.eval("c = a.copy(); c.append(4); [len(a), len(c)]") == "[3, 4]\n")
        #expect(session.eval("d = {\"b\": 1}\ne = d\ne[\"a\"] = 2\nd") == "{\"b\": 1, \"a\": 2}\n")
        #expect(session.eval("d[\"b\"] = 3; d") == "{\"b\": 3, \"a\": 2}\n", "replacing keeps insertion order")
    }

    @Test(arguments: [
        ("l[0]", "10"), ("l[-1]", "50"), ("l[1:3]", "[20, 30]"), ("l[:2]", "[10, 20]"), ("l[-2:]", "[40, 50]"),
        ("l[::2]", "[10, 30, 50]"), ("l[::-1]", "[50, 40, 30, 20, 10]"), ("l[1:-1]", "[20, 30, 40]"),
        ("l[10:]", "[]"), ("l[-100:1]", "[10]"), ("s[0]", "\"h\""), ("s[-1]", "\"o\""), ("s[1:3]", "\"el\""),
        ("s[::-1]", "\"olleh\""), ("r[2]", "2"), ("r[-1]", "9"), ("r[1:4]", "[1, 2, 3]"), ("d[\"k\"]", "1"),
    ])
    func indexingAndSlicingWithNegativePositions(_ source: String, _ echoed: String) {
        let session = LanguageSession()
        session.run("l = [10, 20, 30, 40, 50]; s = \"hello\"; r = 0..<10; d = {\"k\": 1}")
        #expect(session.eval(source) == echoed + "\n")
    }

    @Test func indexAndSliceAssignment() {
        let session = LanguageSession()
        #expect(session.eval("l = [1, 2, 3]\nl[0] = 9\nl[-1] += 1\nl") == "[9, 2, 4]\n")
        #expect(session.eval("l[1:2] = [7, 7, 7]\nl") == "[9, 7, 7, 7, 4]\n")
        #expect(session.eval("l[::2] = [0, 0, 0]\nl") == "[0, 7, 0, 7, 0]\n")
        #expect(session.eval("m = [[1, 2], [3, 4]]\nm[1][0] = 5\nm") == "[[1, 2], [5, 4]]\n")
    }

    @Test(arguments: [
        ("l[5]", "list index 5 out of range for a list of 3"),
        ("l[-4]", "list index -4 out of range for a list of 3"),
        ("l[1.5]", "list index must be a whole number, got 1.5"),
        ("l[\"a\"]", "list index must be a number, got string"),
        ("l[0, 1]", "a list takes 1 index, got 2"),
        ("l[::0]", "slice step cannot be zero"),
        ("l[0.5:]", "slice bounds must be whole numbers, got 0.5"),
        ("\"abc\"[3]", "string index 3 out of range for a string of length 3"),
        ("d[\"lamda\"]", "key \"lamda\" not found in dict; did you mean 'lambda'?"),
        ("d[[1]]", "dict keys must be strings or numbers, got [1]"),
        ("(1)[0]", "number cannot be indexed"),
        ("s = \"abc\"; s[0] = \"x\"", "strings cannot be changed in place; build a new string instead"),
        ("l[0:1] = 5", "can only assign a list to a slice, got number"),
        ("l[::2] = [1]", "cannot assign 1 values to a slice of 2"),
    ])
    func indexingErrorsAreSpecific(_ source: String, _ message: String) {
        let session = LanguageSession()
        session.run("l = [1, 2, 3]; d = {\"lambda\": 1}")
        #expect(session.run(source).result.diagnostics.first?.message == message)
    }

    @Test func loopsWithBreakAndContinue() {
        let session = LanguageSession()
        let output = session.eval("""
            for i in 0..<10 {
              if i % 2 == 0 { continue }
              if i > 7 { break }
              print(i, end: " ")
            }
            n = 0
            while true { n += 1; if n == 5 { break } }
            print(n)
            for k in {"a": 1, "b": 2} { print(k, end: "") }
            for c in "xy" { print(c, end: "") }
            for i, x in enumerate(["p", "q"], start: 1) { print(" \\(i)\\(x)", end: "") }
            print()
            for t in 1...3 { }
            t
            """)
        #expect(output == "1 3 5 7 5\nabxy 1p 2q\n3\n")
    }

    @Test func loopOverAListBeingAppendedToVisitsTheOriginalElements() {
        #expect(LanguageSession().eval("l = [1, 2]\nfor x in l { l.append(x) }\nl") == "[1, 2, 1, 2]\n")
    }

    @Test func loopErrorsAreSpecific() {
        let session = LanguageSession()
        #expect(session.error("for x in 5 {}") == "test.fl:1:10: error: cannot iterate over number")
        #expect(session.error("for a, b in [[1, 2, 3]] {}") == "test.fl:1:13: error: cannot unpack a list of 3 into 2 loop variables")
        #expect(session.error("for a, b in [1] {}") == "test.fl:1:13: error: cannot unpack number into 2 loop variables")
    }

    @Test func echoShowsOnlyTheLastExpressionStatementAndNeverNil() {
        let session = LanguageSession()
        #expect(session.run("x = 1").output == "")
        #expect(session.run("x").output == "1\n")
        #expect(session.run("x; x + 1").output == "2\n")
        #expect(session.run("x + 1; y = 2").output == "")
        #expect(session.run("nil").output == "")
        #expect(session.run("print(\"hi\")").output == "hi\n")
        #expect(session.run("\"s\"").output == "\"s\"\n")
        #expect(session.run("fn f() { 1 }").output == "")
        #expect(session.run("if x == 1 { \"one\" }").output == "\"one\"\n")
        #expect(session.run("for i in 0..<2 { i }").output == "")
        #expect(session.interpreter.run("x", echo: false).value?.repr == "1")
    }

    @Test func runResultCarriesTheLastValue() {
        let result = LanguageSession().run("[1, 2]").result
        #expect(result.succeeded)
        #expect(result.value?.repr == "[1, 2]")
    }

    @Test func aRuntimeErrorLeavesEarlierBindingsIntact() {
        let session = LanguageSession()
        session.run("x = 1; l = [1, 2]")
        let (output, result) = session.run("x = 2\nprint(\"before\")\nl.append(3)\ny = l[10]\nx = 99")
        #expect(output == "before\n")
        #expect(result.diagnostics.first?.headline == "test.fl:4:5: error: list index 10 out of range for a list of 3")
        #expect(session.eval("[x, l, y]").contains("unknown name 'y'"))
        #expect(session.eval("[x, l]") == "[2, [1, 2, 3]]\n")
        // A failed assignment does not change its target.
        #expect(session.error("x = undefined_thing") != "")
        #expect(session.eval("x") == "2\n")
        #expect(session.error("l[0] = l[5]") != "")
        #expect(session.eval("l") == "[1, 2, 3]\n")
    }

    @Test func anErrorInsideAFunctionRestoresTheGlobalScope() {
        let session = LanguageSession()
        session.run("fn f(a) { inner = a; a[5] }")
        #expect(session.error("f([1])").contains("list index 5 out of range"))
        #expect(session.eval("inner").contains("unknown name 'inner'"))
        #expect(session.eval("a = 3; a") == "3\n")
    }

    @Test func runtimeErrorsInFunctionsPointIntoTheBodyWithACallNote() {
        let session = LanguageSession()
        session.interpreter.run("fn half(x) {\n  x / 0\n}", file: "cell1.flnb")
        let result = session.run("y = 1\nhalf(y)", file: "cell2.flnb").result
        #expect(Diagnostic.render(result.diagnostics) == """
            cell1.flnb:2:3: error: division by zero
              x / 0
              ^~~~~
            cell2.flnb:2:1: note: in call to 'half'
            half(y)
            ^~~~~~~

            """)
    }

    @Test(arguments: [
        ("lamda", "unknown name 'lamda'; did you mean 'lambda'?"),
        ("1 + \"a\"", "cannot apply '+' to number and string; convert with str(x) first"),
        ("[1] - [1]", "cannot apply '-' to list and list"),
        ("2 @ 3", "cannot apply '@' to number and number; '@' multiplies matrices (tensors)"),
        ("1 / 0", "division by zero"),
        ("1 % 0", "modulo by zero"),
        ("\"a\" * -1", "repetition count must be a whole number ≥ 0, got -1"),
        ("-\"a\"", "cannot negate string"),
        ("1 < \"a\"", "cannot compare number and string with '<'"),
        ("5()", "number is not callable"),
        ("lambda.x", "number has no member 'x'"),
        ("[].apend(1)", "list has no member 'apend'; did you mean 'append'?"),
        ("lambda.x = 1", "cannot assign member 'x' of number"),
        ("\"a\"..<2", "range bounds must be numbers, got string"),
        ("{[1]: 2}", "dict keys must be strings or numbers, got [1]"),
    ])
    func runtimeErrorMessagesAreSpecific(_ source: String, _ message: String) {
        let session = LanguageSession()
        session.run("lambda = 1")
        #expect(session.run(source).result.diagnostics.first?.message == message)
    }

    @Test func callDepthIsLimitedWithAClearError() {
        let session = LanguageSession()
        let result = session.run("fn down(n) { down(n + 1) }\ndown(0)").result
        #expect(result.diagnostics.first?.message == "call depth exceeded (recursion?)")
        // The recursive call site is noted once, however deep; then the top-level call.
        #expect(result.diagnostics.first?.notes.map(\.headline) == [
            "test.fl:1:14: note: in call to 'down'", "test.fl:2:1: note: in call to 'down'",
        ])
        #expect(session.eval("1 + 1") == "2\n", "the session continues")
    }

    @Test func recursionWellWithinTheDefaultDepthWorks() {
        let session = LanguageSession()
        session.run("fn depth(n) { if n == 0 { 0 } else { 1 + depth(n - 1) } }")
        #expect(session.eval("depth(390)") == "390\n")
    }

    @Test func stackGuardStopsDeepRecursionOnASmallThreadStack() {
        final class Box: @unchecked Sendable { var message: String? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let interpreter = Interpreter(output: { _ in }, interruptFlag: InterruptFlag())
            box.message = interpreter.run("fn f(n) { f(n + 1) }\nf(0)").diagnostics.first?.message
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        done.wait()
        #expect(box.message == "call depth exceeded (recursion?)")
    }

    @Test func callDepthLimitIsConfigurable() {
        let session = LanguageSession(limits: RunLimits(maxCallDepth: 10))
        session.run("fn depth(n) { if n == 0 { 0 } else { 1 + depth(n - 1) } }")
        #expect(session.eval("depth(8)") == "8\n")
        #expect(session.error("depth(20)").hasSuffix("call depth exceeded (recursion?)"))
    }

    @Test func stepBudgetStopsRunawayLoops() {
        let session = LanguageSession(limits: RunLimits(maxSteps: 1_000))
        #expect(session.error("i = 0\nwhile true { i += 1 }").hasSuffix("step budget of 1000 exhausted"))
        #expect(session.eval("i > 100") == "true\n", "the state reached before the stop is kept")
        #expect(session.error("l = list(range(1e9))").hasSuffix("a range of 1000000000 elements is too large (limit 10000000)"))
    }

    @Test func interruptFlagStopsAnInfiniteLoopAndLeavesStateIntact() {
        let flag = InterruptFlag()
        var output = ""
        let interpreter = Interpreter(output: { output += $0 }, interruptFlag: flag)
        // A builtin trips the flag on its 1000th call: deterministic, unlike a timer.
        var calls = 0
        interpreter.define(Builtin("tick", summary: "Counts calls; sets the interrupt flag on the 1000th.") { _ in
            calls += 1
            if calls == 1_000 { flag.set() }
            return .null
        })
        interpreter.run("x = 42; n = 0")
        let result = interpreter.run("while true { n += 1; tick() }")
        #expect(result.diagnostics.first?.message == "interrupted")
        #expect(!flag.isSet, "the interrupt is consumed")
        #expect(interpreter.run("[x, n]", echo: false).value?.repr == "[42, 1000]")
    }

    @Test func interruptFlagSetFromAnotherThreadStopsTheLoop() {
        let flag = InterruptFlag()
        let interpreter = Interpreter(output: { _ in }, interruptFlag: flag)
        let started = DispatchSemaphore(value: 0)
        interpreter.define(Builtin("started", summary: "Signals that the loop is running.") { _ in
            started.signal()
            return .null
        })
        let setter = Thread {
            started.wait()
            flag.set()
        }
        setter.start()
        let result = interpreter.run("started()\nwhile true { }")
        #expect(result.diagnostics.first?.message == "interrupted")
    }

    @Test func cyclicAndDeeplyNestedValuesPrintWithoutRecursingForever() {
        let session = LanguageSession()
        #expect(session.eval("l = [1]\nl.append(l)\nl") == "[1, [...]]\n")
        #expect(session.eval("d = {}\nd[\"self\"] = d\nd") == "{\"self\": {...}}\n")
        #expect(session.error("m = []\nwhile true { m = [m] }").hasSuffix("lists and dicts nested too deeply (limit 1000)"))
        #expect(session.eval("len(m)") == "1\n")
    }

    @Test func sizeLimitsStopHugeStringsAndLists() {
        let session = LanguageSession(limits: RunLimits(maxCollectionSize: 1_000))
        #expect(session.error("\"ab\" * 600").hasSuffix("a string of 1200 elements is too large (limit 1000)"))
        #expect(session.error("[0] * 2000").hasSuffix("a list of 2000 elements is too large (limit 1000)"))
        #expect(session.error("l = [0] * 600; l + l").hasSuffix("a list of 1200 elements is too large (limit 1000)"))
    }

    @Test func ifIsAnExpressionAndBlocksYieldTheirLastValue() {
        let session = LanguageSession()
        #expect(session.eval("grade = if 0.93 > 0.9 { \"A\" } else { \"B\" }\ngrade") == "\"A\"\n")
        #expect(session.eval("v = if false { 1 }\nv == nil") == "true\n")
        #expect(session.eval("double = fn (x) { x * 2 }\ndouble(21)") == "42\n")
    }

    @Test func functionsPrintWithTheirParameters() {
        let session = LanguageSession()
        #expect(session.eval("fn f(a, b: 2) { }\nf") == "<fn f(a, b)>\n")
        #expect(session.eval("print") == "<builtin print>\n")
    }

    @Test func resetForgetsUserVariablesButKeepsBuiltins() {
        let session = LanguageSession()
        session.run("x = 1")
        #expect(session.interpreter.globalNames == ["x"])
        session.interpreter.reset()
        #expect(session.interpreter.globalNames.isEmpty)
        #expect(session.eval("len([1])") == "1\n")
    }

    @Test func scriptsMayShadowBuiltinsWithoutChangingThem() {
        let session = LanguageSession()
        session.run("len = 3")
        #expect(session.eval("len") == "3\n")
        session.interpreter.reset()
        #expect(session.eval("len([1, 2])") == "2\n")
    }
}

@Suite("Scoping")
struct ScopingTests {
    @Test func loopVariablesInsideAFunctionNeverOverwriteNotebookVariables() {
        let session = LanguageSession()
        #expect(session.eval("t = \"keep\"\nfn count(n) { c = 0; for t in 0..<n { c += 1 }; c }\ncount(3)\nt") == "\"keep\"\n")
    }

    @Test func functionsDeclaredInsideAFunctionAreLocalToIt() {
        let session = LanguageSession()
        #expect(session.eval("fn helper() { \"global\" }\nfn outer() { fn helper() { \"inner\" }; helper() }\n[outer(), helper()]")
                == "[\"inner\", \"global\"]\n")
    }

    @Test func longRunningBuiltinsStopAtCheckInterrupt() {
        let flag = InterruptFlag()
        let interpreter = InterpreterTests.quiet(flag)
        interpreter.define(Builtin("train", summary: "A long loop that polls for Ctrl-C.") { args in
            for step in 0..<1_000_000 {
                if step == 10 { flag.set() }
                try args.interpreter.checkInterrupt()
            }
            return .null
        })
        let result = interpreter.run("x = 1\ntrain()")
        #expect(result.diagnostics.first?.headline == "<input>:2:1: error: interrupted")
        #expect(interpreter.run("x", echo: false).value?.repr == "1")
    }
}

extension InterpreterTests {
    static func quiet(_ flag: InterruptFlag) -> Interpreter {
        Interpreter(output: { _ in }, interruptFlag: flag)
    }
}
