import Foundation
import Testing

/// `flnb` with standard input from a pipe: no editing, no prompts, exit 65 after any failure.
@Suite("REPL in pipe mode")
struct PipeModeTests {
    @Test("runs complete inputs as they close, prints outputs only")
    func outputsOnly() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = """
        x = 20
        x + 22
        for i in 0..<3 {
          print("step", i)
        }
        numbers = [1,
                   2, 3]
        len(numbers)

        """
        let result = try FlnbBinary.run([], input: input, in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "42\nstep 0\nstep 1\nstep 2\n3\n")
        #expect(result.stderr.isEmpty)
        #expect(!result.stdout.contains("flnb>"))
    }

    @Test("an error is reported with its stream line, later inputs still run, exit 65")
    func errorsExit65() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try FlnbBinary.run([], input: "a = 1\n\nb = a + nope\nprint(\"after\")\n", in: folder)
        #expect(result.status == 65)
        #expect(result.stderr.contains("<stdin>:3:9: error: unknown name 'nope'"), "\(result.stderr)")
        #expect(result.stdout == "after\n")
    }

    @Test("input ending inside an open bracket is an error")
    func unterminatedInput() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try FlnbBinary.run([], input: "print(1,\n", in: folder)
        #expect(result.status == 65)
        #expect(result.stderr.contains("error:"))
    }

    @Test("meta-commands: :save writes a notebook that replays; :load runs one into the session")
    func saveAndLoad() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let saved = try FlnbBinary.run([], input: """
        rates = [0.1, 0.01]
        fn halve(x) { return x / 2 }
        halve(rates[0])
        bad_name
        print("ok")
        :save first.flnb
        :vars

        """, in: folder)
        #expect(saved.status == 65, "the failed input still counts")
        #expect(saved.stdout.contains("saved 4 cells to first.flnb"))
        #expect(saved.stdout.contains("halve  function"))
        let text = try String(contentsOf: folder.appendingPathComponent("first.flnb"), encoding: .utf8)
        #expect(text.contains("halve(rates[0])\n#> 0.05\n"))
        #expect(!text.contains("bad_name"))

        let check = try FlnbBinary.run(["run", "--check", "first.flnb"], in: folder)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")

        let loaded = try FlnbBinary.run([], input: ":load first.flnb\nhalve(8)\n:quit\nprint(\"not reached\")\n", in: folder)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(loaded.stdout == "0.05\nok\nloaded first.flnb: 4 code cells\n4\n")
    }

    @Test("bad meta-commands fail the run with a message")
    func badCommands() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try FlnbBinary.run([], input: ":sve x.flnb\n:load\n:load missing.flnb\n", in: folder)
        #expect(result.status == 65)
        #expect(result.stderr.contains("unknown command ':sve'; did you mean ':save'?"))
        #expect(result.stderr.contains("usage: :load FILE"))
        #expect(result.stderr.contains("cannot read 'missing.flnb': No such file or directory"))
    }

    @Test("NOTEBOOK_DIR is the working directory at the prompt")
    func notebookDirectory() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try FlnbBinary.run([], input: "print(NOTEBOOK_DIR)\n", in: folder)
        let printed = URL(fileURLWithPath: result.stdout.trimmingCharacters(in: .newlines)).resolvingSymlinksInPath()
        #expect(printed.path == folder.resolvingSymlinksInPath().path)
    }
}
