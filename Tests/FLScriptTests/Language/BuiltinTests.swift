import Testing
@testable import FLScript

@Suite("Builtins")
struct BuiltinTests {
    @Test(arguments: [
        ("print(1, \"a\", [\"b\"], nil)", "1 a [\"b\"] nil\n"),
        ("print(1, 2, sep: \", \", end: \"!\\n\")", "1, 2!\n"),
        ("print()", "\n"),
        ("len(\"héllo\")", "5\n"), ("len([1, 2])", "2\n"), ("len({\"a\": 1})", "1\n"), ("len(0..<10)", "10\n"),
        ("str(1.5) + str([1])", "\"1.5[1]\"\n"), ("repr(\"a\\n\")", "\"\\\"a\\\\n\\\"\"\n"),
        ("type(1)", "\"number\"\n"), ("type(\"\")", "\"string\"\n"), ("type(nil)", "\"nil\"\n"),
        ("type(print)", "\"builtin\"\n"), ("type(fn () {})", "\"function\"\n"), ("type(0..<1)", "\"range\"\n"),
        ("list(range(5))", "[0, 1, 2, 3, 4]\n"), ("list(range(2, 8, 3))", "[2, 5]\n"), ("list(range(3, 0, -1))", "[3, 2, 1]\n"),
        ("list(0...1)", "[0, 1]\n"), ("list(\"ab\")", "[\"a\", \"b\"]\n"), ("list()", "[]\n"),
        ("abs(-2.5)", "2.5\n"), ("floor(-1.5)", "-2\n"), ("ceil(1.2)", "2\n"), ("sqrt(2)", "1.4142135623730951\n"),
        ("exp(0)", "1\n"), ("log(exp(2))", "2\n"), ("log(1000, base: 10)", "2.9999999999999996\n"),
        ("round(2.5)", "3\n"), ("round(0.91234, 2)", "0.91\n"), ("round(-1.5)", "-2\n"),
        ("min(3, 1, 2)", "1\n"), ("max([0.91, 0.87])", "0.91\n"), ("min(\"b\", \"a\")", "\"a\"\n"), ("max(0..<4)", "3\n"),
        ("sum([1, 2, 3])", "6\n"), ("sum([[1], [2]], start: [])", "[1, 2]\n"), ("sum(0..<101)", "5050\n"),
        ("int(3.7)", "3\n"), ("int(-3.7)", "-3\n"), ("int(\"42\")", "42\n"), ("int(true)", "1\n"),
        ("float(\"1e-3\")", "0.001\n"), ("float(2)", "2\n"),
        ("keys({\"a\": 1, \"b\": 2})", "[\"a\", \"b\"]\n"), ("values({\"a\": 1, \"b\": 2})", "[1, 2]\n"),
        ("l = [1]; append(l, 2); l", "[1, 2]\n"),
        ("sorted([3, 1, 2])", "[1, 2, 3]\n"), ("sorted([\"b\", \"a\"], reverse: true)", "[\"b\", \"a\"]\n"),
        ("sorted([[2, \"x\"], [1, \"y\"], [2, \"a\"]], key: fn (p) { p[0] })", "[[1, \"y\"], [2, \"x\"], [2, \"a\"]]\n"),
        ("enumerate([\"a\", \"b\"])", "[[0, \"a\"], [1, \"b\"]]\n"), ("zip([1, 2, 3], \"ab\")", "[[1, \"a\"], [2, \"b\"]]\n"),
        ("map(fn (x) { x * 2 }, [1, 2])", "[2, 4]\n"), ("filter(fn (x) { x > 1 }, 0..<4)", "[2, 3]\n"),
        ("format(0.91234, \".2f\")", "\"0.91\"\n"), ("format(0.5, \".1%\")", "\"50.0%\"\n"), ("format(42, \">5\")", "\"   42\"\n"),
        ("format(\"ab\", \"*^6\")", "\"**ab**\"\n"), ("format(12345.678, \".3e\")", "\"1.235e+04\"\n"), ("format(7, \"03\")", "\"007\"\n"), ("format(-7, \"04\")", "\"-007\"\n"),
        ("format(1.5, \"+.2f\")", "\"+1.50\"\n"), ("format(-1.5, \"+.2f\")", "\"-1.50\"\n"), ("format(-0.001, \".2f\")", "\"0.00\"\n"),
        ("assert(1 == 1, \"fine\")", ""),
    ])
    func coreBuiltinsBehaveAsDocumented(_ source: String, _ output: String) {
        #expect(LanguageSession().eval(source) == output)
    }

    @Test(arguments: [
        ("l = [1, 2, 3]; l.pop()", "3\n"), ("l = [1, 2, 3]; l.pop(0); l", "[2, 3]\n"),
        ("l = [1]; l.extend(0..<2); l", "[1, 0, 1]\n"), ("l = [1, 3]; l.insert(1, 2); l", "[1, 2, 3]\n"),
        ("l = [1, 3]; l.insert(-1, 2); l", "[1, 2, 3]\n"), ("l = [1]; l.insert(99, 2); l", "[1, 2]\n"),
        ("[1, [2]].contains([2])", "true\n"), ("[1].contains(2)", "false\n"),
        ("d = {\"a\": 1}; d.keys()", "[\"a\"]\n"), ("d = {\"a\": 1}; d.values()", "[1]\n"),
        ("d = {\"a\": 1}; d.items()", "[[\"a\", 1]]\n"), ("{\"a\": 1}.get(\"b\", 0)", "0\n"), ("{\"a\": 1}.get(\"a\")", "1\n"),
        ("{\"a\": 1}.contains(\"a\")", "true\n"), ("d = {\"a\": 1, \"b\": 2}; d.remove(\"a\"); d", "{\"b\": 2}\n"),
        ("d = {1: \"x\"}; e = d.copy(); e[2] = \"y\"; [len(d), len(e)]", "[1, 2]\n"),
        ("\"sgd\".upper()", "\"SGD\"\n"), ("\"EWC\".lower()", "\"ewc\"\n"), ("\"  a \".strip()", "\"a\"\n"),
        ("\"a b  c\".split()", "[\"a\", \"b\", \"c\"]\n"), ("\"a,b,\".split(\",\")", "[\"a\", \"b\", \"\"]\n"),
        ("\", \".join([\"a\", 1])", "\"a, 1\"\n"), ("\"task-1\".startswith(\"task\")", "true\n"),
        ("\"run.flnb\".endswith(\".flnb\")", "true\n"), ("\"lwf_mc\".contains(\"mc\")", "true\n"),
        ("\"a-b-c\".replace(\"-\", \"_\")", "\"a_b_c\"\n"),
        ("\"acc {:.2f} after {} epochs\".format(0.9312, 4)", "\"acc 0.93 after 4 epochs\"\n"),
        ("\"{1}{0} {{}}\".format(\"a\", \"b\")", "\"ba {}\"\n"),
    ])
    func listDictAndStringMethods(_ source: String, _ output: String) {
        #expect(LanguageSession().eval(source) == output)
    }

    @Test(arguments: [
        ("assert(1 == 2, \"tasks differ\")", "assertion failed: tasks differ"),
        ("assert(false)", "assertion failed"),
        ("int(\"3.7\")", "cannot convert \"3.7\" to an integer"),
        ("float(\"abc\")", "cannot convert \"abc\" to a number"),
        ("len(3)", "number has no length"),
        ("range(0, 5, 0)", "range step cannot be zero"),
        ("min([])", "min() of an empty sequence"),
        ("sorted([1, \"a\"])", "cannot compare string and number with '<'"),
        ("[].pop()", "pop from an empty list"),
        ("[1].pop(3)", "pop index 3 out of range for a list of 1"),
        ("{}.remove(\"k\")", "key \"k\" not found in dict"),
        ("\"a\".split(\"\")", "separator cannot be empty"),
        ("\"{} {}\".format(1)", "format string needs value 1, but only 1 given"),
        ("format(\"a\", \".2f\")", "format spec '.2f' needs a number, got string"),
        ("format(1, \"q\")", "unknown format spec 'q'"),
        ("keys([1])", "dict: expected a dict, got list"),
        ("sqrt(\"4\")", "x: expected a number, got string"),
        ("round(1.5, 0.5)", "digits: expected an integer, got 0.5"),
        ("map(5, [1])", "number is not callable"),
    ])
    func builtinErrorsAreSpecific(_ source: String, _ message: String) {
        #expect(LanguageSession().run(source).result.diagnostics.first?.message == message)
    }

    @Test func errorsInCallbacksKeepTheirOwnPosition() {
        let result = LanguageSession().run("l = [1, 0]\nsorted(l, key: fn (x) {\n  1 / x\n})").result
        #expect(result.diagnostics.first?.headline == "test.fl:3:3: error: division by zero")
    }

    @Test func modulesRegisterBuiltinsAndConstants() {
        let session = LanguageSession()
        session.interpreter.define(Builtin("lerp", summary: "Linear interpolation between a and b.",
                                           parameters: [.required("a"), .required("b"), .optional("t", default: 0.5, "weight of b")],
                                           example: "lerp(0, 10, t: 0.25)   # 2.5") { args in
            let a = try args.number("a"), b = try args.number("b")
            return .number(a + (b - a) * (try args.number("t")))
        })
        session.interpreter.define("pi", .number(.pi))
        #expect(session.eval("lerp(0, 10, t: 0.25)") == "2.5\n")
        #expect(session.eval("round(pi, 2)") == "3.14\n")
        #expect(session.interpreter.builtinNames.contains("lerp"))
        #expect(!session.interpreter.globalNames.contains("pi"))
    }

    @Test func warnWritesOneLineToTheErrorSinkAndNothingToTheOutput() {
        let session = LanguageSession()
        var errors = ""
        session.interpreter.errorOutput = { errors += $0 }
        let (output, result) = session.run("x = warn(\"lr\", 5, [1], sep: \"|\")\nprint(x)\nwarn(\"two\")")
        #expect(result.succeeded, "warn is not an error")
        #expect(result.value == nil || result.value!.isNull, "warn returns nil")
        #expect(output == "nil\n", "only print reaches the output sink; warn's nil is not echoed")
        #expect(errors == "lr|5|[1]\ntwo\n")
    }
}
