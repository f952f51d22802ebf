import Foundation
import Testing

/// `flnb run` on notebook files: plain runs, --check, --update and the exit statuses.
@Suite("flnb run")
struct NotebookCommandTests {
    private let passing = """
    # flnb 1
    # %% [markdown]
    # # Arithmetic
    # %%
    a = 1 / 3
    a
    #> 0.3333333333333333

    # %%
    for i in 0..<2 { print("i =", i) }
    #> i = 0
    #> i = 1

    """

    private func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return name
    }

    private func withFolder(_ body: (URL) throws -> Void) throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try body(folder)
    }

    @Test("plain run prints every cell's output")
    func plainRun() throws {
        try withFolder { folder in
            let file = try write(passing, "a.flnb", in: folder)
            let result = try FlnbBinary.run(["run", file], in: folder)
            #expect(result.status == 0)
            #expect(result.stdout == "0.3333333333333333\ni = 0\ni = 1\n")
        }
    }

    @Test("--check passes when outputs match (numbers within tolerance)")
    func checkPasses() throws {
        try withFolder { folder in
            let file = try write(passing.replacingOccurrences(of: "0.3333333333333333", with: "0.33333334"), "a.flnb", in: folder)
            let result = try FlnbBinary.run(["run", "--check", file], in: folder)
            #expect(result.status == 0, "\(result.stdout)")
            #expect(result.stdout == "a.flnb: ok (2 code cells match)\n")
        }
    }

    @Test("--check prints a diff and exits 1 on a difference; --tolerance widens the match")
    func checkFails() throws {
        try withFolder { folder in
            let text = passing.replacingOccurrences(of: "0.3333333333333333", with: "0.333")
                .replacingOccurrences(of: "#> i = 1", with: "#> i = 2")
            let file = try write(text, "b.flnb", in: folder)
            let result = try FlnbBinary.run(["run", "--check", file], in: folder)
            #expect(result.status == 1)
            #expect(result.stdout.contains("--- b.flnb (recorded)"))
            #expect(result.stdout.contains("-#> 0.333\n+#> 0.3333333333333333"))
            #expect(result.stdout.contains("-#> i = 2\n+#> i = 1"))
            #expect(result.stdout.contains("b.flnb: 2 of 2 code cells differ"))

            let looser = try FlnbBinary.run(["run", "--check", "--tolerance", "0.01", file], in: folder)
            #expect(looser.status == 1)
            #expect(!looser.stdout.contains("0.333\n"), "the number now matches; only the loop differs")
            #expect(looser.stdout.contains("1 of 2 code cells differ"))
        }
    }

    @Test("--update rewrites the recorded outputs in place, then --check passes")
    func update() throws {
        try withFolder { folder in
            let stale = passing.replacingOccurrences(of: "#> i = 1\n", with: "")
                .replacingOccurrences(of: "#> 0.3333333333333333", with: "#> 7")
            let file = try write(stale + "# %%\n\"new cell\"\n", "c.flnb", in: folder)
            let result = try FlnbBinary.run(["run", "--update", file], in: folder)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "c.flnb: updated 3 of 3 code cells\n")
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(text == passing + "# %%\n\"new cell\"\n#> \"new cell\"\n")
            #expect(try FlnbBinary.run(["run", "--check", file], in: folder).status == 0)
            let again = try FlnbBinary.run(["run", "--update", file], in: folder)
            #expect(again.stdout == "c.flnb: up to date (3 code cells)\n")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
            #expect(leftovers.isEmpty)
        }
    }

    @Test("a script error: plain run stops with 65, --continue-on-error goes on, --check shows it in the diff")
    func scriptErrors() throws {
        try withFolder { folder in
            let file = try write("# flnb 1\n# %%\nprint(\"one\")\n#> one\n# %%\nmissing_name\n# %%\nprint(\"three\")\n#> three\n",
                                 "d.flnb", in: folder)
            let plain = try FlnbBinary.run(["run", file], in: folder)
            #expect(plain.status == 65)
            #expect(plain.stdout == "one\n")
            #expect(plain.stderr.contains("d.flnb:6:1: error: unknown name 'missing_name'"), "\(plain.stderr)")

            let onward = try FlnbBinary.run(["run", "--continue-on-error", file], in: folder)
            #expect(onward.status == 65)
            #expect(onward.stdout == "one\nthree\n")

            let check = try FlnbBinary.run(["run", "--check", file], in: folder)
            #expect(check.status == 1)
            #expect(check.stdout.contains("+#> d.flnb:6:1: error: unknown name 'missing_name'"))
            #expect(check.stdout.contains("1 of 3 code cells differ"))
        }
    }

    @Test("an error recorded as the expected output passes --check (--update records it, with a warning)")
    func recordedErrors() throws {
        try withFolder { folder in
            let file = try write("# flnb 1\n# %%\n[1, 2][5]\n", "e.flnb", in: folder)
            let update = try FlnbBinary.run(["run", "--update", file], in: folder)
            #expect(update.status == 0)
            #expect(update.stderr.contains("cell 1 raised an error"), "\(update.stderr)")
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(text.contains("#> e.flnb:3:"))
            #expect(try FlnbBinary.run(["run", "--check", file], in: folder).status == 0)
        }
    }

    @Test("unreadable files exit 66, bad flags exit 64 with the usage")
    func exitStatuses() throws {
        try withFolder { folder in
            let missing = try FlnbBinary.run(["run", "nowhere.flnb"], in: folder)
            #expect(missing.status == 66)
            #expect(missing.stderr == "flnb: cannot read 'nowhere.flnb': No such file or directory\n")
            let directory = try FlnbBinary.run(["run", "."], in: folder)
            #expect(directory.status == 66)
            #expect(directory.stderr.contains("Is a directory"))
            for arguments in [["run"], ["run", "--frob", "x.flnb"], ["run", "--check", "--update", "x.flnb"],
                              ["run", "--tolerance", "much", "x.flnb"], ["run", "--tolerance"]] {
                let result = try FlnbBinary.run(arguments, in: folder)
                #expect(result.status == 64, "\(arguments)")
                #expect(result.stderr.contains("usage: flnb run"))
            }
            let help = try FlnbBinary.run(["run", "--help"], in: folder)
            #expect(help.status == 0)
            #expect(help.stdout.contains("--continue-on-error"))
        }
    }

    @Test("the working directory is the caller's; NOTEBOOK_DIR is the notebook's folder; several files")
    func directoriesAndSeveralFiles() throws {
        try withFolder { folder in
            let inner = try write("print(NOTEBOOK_DIR)\n", "sub/dir/f.flnb", in: folder)
            let other = try write(passing, "a.flnb", in: folder)
            let result = try FlnbBinary.run(["run", inner, other], in: folder)
            #expect(result.status == 0)
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "==> sub/dir/f.flnb <==")
            #expect(URL(fileURLWithPath: lines[1]).resolvingSymlinksInPath().path
                    == folder.appendingPathComponent("sub/dir").resolvingSymlinksInPath().path)
            #expect(lines.contains("==> a.flnb <=="))

            let mixed = try FlnbBinary.run(["run", "--check", other, "missing.flnb"], in: folder)
            #expect(mixed.status == 66, "the most severe status wins")
            #expect(mixed.stdout.contains("a.flnb: ok"))
        }
    }
}
