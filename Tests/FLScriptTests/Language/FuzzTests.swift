import Testing
@testable import FLScript

/// A small seeded generator, so every run feeds the same inputs.
struct FuzzRandom: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Fuzz")
struct FuzzTests {
    static let vocabulary = [
        "x", "y", "l", "d", "f", "g", "s", "0", "1", "2.5", "-1", "1e9", "1e308", "-0.0", "\"s\"", "\"a\\(x)b\"", "'q'",
        "+", "-", "*", "/", "%", "**", "@", "==", "!=", "<", "<=", ">", ">=", "and", "or", "not", "!", "&&", "||",
        "(", ")", "[", "]", "{", "}", ",", ":", ";", "\n", "\n", ".", "..<", "...", "=", "+=", "-=", "*=", "/=",
        "fn", "if", "else", "for", "in", "while", "break", "continue", "return", "true", "false", "nil", "?",
        "print", "len", "range", "list", "append", "sorted", "map", "sum", "str", "help", "format", "zip", "min",
        "l.append", "d.keys", "s.split", "#", "\"", "\\", "$", "lambda:", "key:", "start:", "9999999", "x[", "[:", "::",
        "f(", "fn (a, b: 2) {", "}", "if x {", "} else {", "for i in 0..<3 {", "while x < 5 {",
    ]

    static let corpus = [
        """
        x = 1; l = [1, 2, 3]; d = {"a": 1, "b": [l]}
        fn f(a, b: 2) { if a > b { a } else { b * 2 } }
        for i in 0..<5 { x += f(i); l.append(i) }
        print(x, l[-1], l[1:3], d["b"][0][::2])
        """,
        """
        fn fib(n) { if n < 2 { return n }
          fib(n - 1) + fib(n - 2) }
        s = "acc \\(fib(10))"
        while len(s) < 20 { s = s + "." }
        sorted([3, 1, 2], key: fn (v) { -v }, reverse: false)
        """,
        """
        counter = fn () { n = 0; fn () { n += 1; n } }
        c = counter(); c(); c()
        m = map(fn (v) { v ** 2 }, range(1, 10, 2))
        total = sum(m, start: 0.5)
        "{:.2f} {}".format(total, [m, {"k": nil}])
        """,
        """
        l = []
        for i, v in enumerate("hello") { if v == "l" { continue }; l.append([i, v]) }
        d = {}
        for p in l { d[p[1]] = p[0] }
        keys(d); values(d); d.get("z", 0); ?d
        """,
    ]

    static func limits() -> RunLimits {
        RunLimits(maxCallDepth: 64, maxSteps: 3_000, maxCollectionSize: 50_000)
    }

    /// Runs one input and checks it ended in a value or in well-formed diagnostics.
    @discardableResult
    static func exercise(_ source: String, in interpreter: Interpreter, rng: inout FuzzRandom) -> RunResult {
        let result = interpreter.run(source, file: "fuzz.fl")
        if !result.succeeded {
            for diagnostic in result.diagnostics {
                #expect(!diagnostic.message.isEmpty)
                #expect(!diagnostic.rendered().isEmpty)
                if let range = diagnostic.range, diagnostic.source?.name == "fuzz.fl" {
                    let lineCount = source.split(separator: "\n", omittingEmptySubsequences: false).count
                    #expect((1...lineCount).contains(range.start.line), "\(diagnostic.headline) in \(source.debugDescription)")
                }
            }
        }
        // The REPL's helpers must cope with anything too.
        _ = Syntax.isComplete(source)
        let line = String(source.split(separator: "\n", omittingEmptySubsequences: false).last ?? "")
        _ = interpreter.completions(line: line, cursor: Int.random(in: 0...line.count, using: &rng))
        return result
    }

    @Test func randomTokenSequencesNeverCrashOrHang() {
        var rng = FuzzRandom(state: 20_240_601)
        var failures = 0
        for _ in 0..<3_000 {
            let interpreter = Interpreter(output: { _ in }, limits: FuzzTests.limits(), interruptFlag: InterruptFlag())
            let count = Int.random(in: 1...30, using: &rng)
            var source = ""
            for _ in 0..<count {
                source += FuzzTests.vocabulary.randomElement(using: &rng)!
                source += Int.random(in: 0..<4, using: &rng) == 0 ? "" : " "
            }
            if !FuzzTests.exercise(source, in: interpreter, rng: &rng).succeeded { failures += 1 }
        }
        #expect(failures > 0, "random input mostly fails, and each failure was checked above")
    }

    @Test func mutatedValidScriptsNeverCrashHangOrCorruptTheSession() {
        var rng = FuzzRandom(state: 7)
        // One long session: every input, good or bad, runs in the same state.
        let interpreter = Interpreter(output: { _ in }, limits: FuzzTests.limits(), interruptFlag: InterruptFlag())
        interpreter.setGlobal("sentinel_value", .number(42))
        interpreter.run("fn sentinel_double(v) { v * 2 }")
        for script in FuzzTests.corpus {
            #expect(interpreter.run(script).succeeded, "the corpus itself runs")
        }
        for _ in 0..<3_000 {
            var characters = Array(FuzzTests.corpus.randomElement(using: &rng)!)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let position = Int.random(in: 0...characters.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0 where !characters.isEmpty:
                    let end = min(characters.count, position + Int.random(in: 1...8, using: &rng))
                    characters.removeSubrange(min(position, end)..<end)
                case 1:
                    characters.insert(contentsOf: FuzzTests.vocabulary.randomElement(using: &rng)!, at: position)
                case 2 where position < characters.count:
                    let end = min(characters.count, position + Int.random(in: 1...12, using: &rng))
                    characters.insert(contentsOf: characters[position..<end], at: position)
                case 3 where characters.count > 1:
                    let other = Int.random(in: 0..<characters.count, using: &rng)
                    characters.swapAt(min(position, characters.count - 1), other)
                default:
                    let printable = Character(Unicode.Scalar(UInt8.random(in: 32...126, using: &rng)))
                    if position < characters.count { characters[position] = printable } else { characters.append(printable) }
                }
            }
            FuzzTests.exercise(String(characters), in: interpreter, rng: &rng)
        }
        #expect(interpreter.run("sentinel_value", echo: false).value?.repr == "42")
        #expect(interpreter.run("sentinel_double(21)", echo: false).value?.repr == "42",
                "definitions survive thousands of failures")
    }
}
