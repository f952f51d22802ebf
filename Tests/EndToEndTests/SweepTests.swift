import Foundation
import FLScript
import XCTest
@testable import flnb
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command with extra environment, output captured through files, killed after a
/// timeout (shared by SweepTests and SlurmTests).
enum SweepTestProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var all: String { "status \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    struct Timeout: Error, CustomStringConvertible {
        var description: String
    }

    /// `flnb ARGS` (the binary under test) in `folder`.
    static func flnb(_ arguments: [String], in folder: URL, environment extra: [String: String] = [:], timeout: TimeInterval = 120) throws -> Result {
        try run(FlnbBinary.path, arguments, in: folder, environment: extra, timeout: timeout)
    }

    static func run(_ executable: String, _ arguments: [String], in folder: URL, environment extra: [String: String] = [:],
                    timeout: TimeInterval = 120) throws -> Result {
        let id = UUID().uuidString
        let outURL = folder.appendingPathComponent(".out-\(id)"), errURL = folder.appendingPathComponent(".err-\(id)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = folder
        // Parameters and report files of the environment running the tests do not leak in;
        // those a test passes in `extra` do.
        var environment = FlnbBinary.environment(home: folder)
        for key in environment.keys where key.hasPrefix("FLNB_PARAM_") || key == "FLNB_REPORT" { environment.removeValue(forKey: key) }
        for (key, value) in extra { environment[key] = value }
        p.environment = environment
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning {
            p.terminate()
            usleep(500_000)
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            throw Timeout(description: "\(executable) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s:\n"
                          + ((try? String(contentsOf: errURL, encoding: .utf8)) ?? ""))
        }
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// A notebook that reports `double` = 2·a and `tag` = b + "!" and fails when a is not a number.
    static let notebook = """
        # flnb 1
        # %%
        a = param("a", 1)
        b = param("b", "x")
        report({"double": a * 2, "tag": b + "!"})

        """

    /// The 2 × 2 table of `notebook` over a=1,2 and b=x,y.
    static let expectedCSV = """
        a,b,double,tag
        1,x,2,x!
        1,y,2,y!
        2,x,4,x!
        2,y,4,y!

        """
}

/// `flnb sweep`: grids, tables, local runs with bounded concurrency, failures, usage errors,
/// `--train`, `--index` and the Slurm files (run here task by task, without Slurm; SlurmTests
/// submits them to a real one).
final class SweepTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try FlnbBinary.temporaryFolder()
        try SweepTestProcess.notebook.write(to: folder.appendingPathComponent("nb.flnb"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    func sweep(_ arguments: [String], timeout: TimeInterval = 120) throws -> SweepTestProcess.Result {
        try SweepTestProcess.flnb(["sweep"] + arguments, in: folder, timeout: timeout)
    }

    // MARK: - Units

    func testGridIsTheCartesianProductFirstParameterSlowest() throws {
        let o = try SweepOptions.parse(["nb.flnb", "--param", "a=1,2,3", "--param=b=x,y", "-j", "4"])
        XCTAssertEqual(o.grid.count, 6)
        XCTAssertEqual(o.jobs, 4)
        XCTAssertEqual((0..<6).map { SweepGrid.describe(o.grid.combination($0)) },
                       ["a=1 b=x", "a=1 b=y", "a=2 b=x", "a=2 b=y", "a=3 b=x", "a=3 b=y"])
        XCTAssertEqual(SweepGrid(parameters: []).count, 1)
        XCTAssertEqual(o.effectiveFormat, .csv)
        XCTAssertEqual(try SweepOptions.parse(["nb.flnb", "--out", "t.md"]).effectiveFormat, .md)
        XCTAssertEqual(try SweepOptions.parse(["nb.flnb", "--out", "t.md", "--format", "json"]).effectiveFormat, .json)
        // --train words survive the trip through the Slurm script's quoting.
        let flags = ["--model", "lwf_mc", "--data_root", "my data/it's", "--hidden", "100,100"]
        XCTAssertEqual(try SweepOptions.shellWords(flags.map(shellQuote).joined(separator: " ")), flags)
        XCTAssertEqual(try SweepOptions.shellWords(" --a  \"b c\" d\\ e "), ["--a", "b c", "d e"])
    }

    func testOptionErrorsAreClear() {
        func problem(_ args: [String]) -> String {
            do { _ = try SweepOptions.parse(args) } catch let e as CommandError { return e.message } catch { return "\(error)" }
            return "(accepted)"
        }
        XCTAssertTrue(problem(["--param", "a=1"]).contains("no notebook given"))
        XCTAssertTrue(problem(["nb.flnb", "--param", "a"]).contains("is not NAME=V1,V2"))
        XCTAssertTrue(problem(["nb.flnb", "--param", "a="]).contains("lists no values"))
        XCTAssertTrue(problem(["nb.flnb", "--param", "a=1,,2"]).contains("empty value"))
        XCTAssertTrue(problem(["nb.flnb", "--param", "a=1,1"]).contains("lists '1' twice"))
        XCTAssertTrue(problem(["nb.flnb", "--param", "a-b=1"]).contains("not a parameter name"))
        XCTAssertTrue(problem(["nb.flnb", "--param", "a=1", "--param", "a=2"]).contains("--param a given twice"))
        XCTAssertTrue(problem(["nb.flnb", "--jobs", "0"]).contains("--jobs needs a positive whole number"))
        XCTAssertTrue(problem(["nb.flnb", "--format", "xls"]).contains("--format is csv, md or json"))
        XCTAssertTrue(problem(["nb.flnb", "--submit"]).contains("--submit needs --slurm DIR"))
        XCTAssertTrue(problem(["nb.flnb", "--param", "a=1,2", "--index", "2"]).contains("--index 2 is out of range"))
        XCTAssertTrue(problem(["nb.flnb", "other.flnb"]).contains("one notebook per sweep"))
        XCTAssertTrue(problem(["--train", "--model", "lwf_mc"]).contains("quote the flags of --train"))
        XCTAssertTrue(problem(["--collect", "d", "--param", "a=1"]).contains("--collect DIR takes only --format and --out"))
        XCTAssertTrue(problem(["nb.flnb", "--frobnicate"]).contains("unknown option '--frobnicate'"))
    }

    func testTableFormatsAndRowMerging() {
        let rows = [
            SweepRow(parameters: [("seed", "1"), ("tag", "a,b")],
                     reported: [.init(key: "acc", value: .number("79.1600")), .init(key: "seed", value: .number("1.0")),
                                .init(key: "note", value: .string("say \"hi\""))]),
            SweepRow(parameters: [("seed", "2"), ("tag", "c")],
                     reported: [.init(key: "acc", value: .number("80")), .init(key: "seed", value: .number("3")),
                                .init(key: "ok", value: .bool(true))]),
        ]
        let table = SweepTable(parameterNames: ["seed", "tag"], rows: rows)
        // A reported parameter with the same value merges; a different one is kept apart.
        XCTAssertEqual(table.columns, ["seed", "tag", "acc", "note", "reported_seed", "ok"])
        XCTAssertEqual(table.rendered(as: .csv), #"""
            seed,tag,acc,note,reported_seed,ok
            1,"a,b",79.16,"say ""hi""",,
            2,c,80,,3,true

            """#)
        XCTAssertEqual(table.rendered(as: .json), #"""
            {"seed": 1, "tag": "a,b", "acc": 79.16, "note": "say \"hi\""}
            {"seed": 2, "tag": "c", "acc": 80, "reported_seed": 3, "ok": true}

            """#)
        XCTAssertEqual(table.rendered(as: .md), """
            | seed | tag |   acc | note     | reported_seed | ok   |
            | ---: | --- | ----: | -------- | ------------: | ---- |
            |    1 | a,b | 79.16 | say "hi" |               |      |
            |    2 | c   |    80 |          |             3 | true |

            """)
        // Rows survive the JSON lines of a Slurm task unchanged.
        for row in rows {
            XCTAssertEqual(SweepRow(json: try XCTUnwrap(try OrderedJSON.parse(row.jsonLine).members)), row)
        }
        XCTAssertEqual(SweepCell(parameter: "1e-2"), .number("0.01"))
        XCTAssertEqual(SweepCell(parameter: "0.10"), .number("0.1"))
        XCTAssertEqual(SweepCell(parameter: "1e3x"), .text("1e3x"))
        XCTAssertEqual(SweepCell(parameter: "true"), .bool(true))
    }

    func testJSONKeepsMemberOrderAndNumberText() throws {
        let text = #"{"z": 1.50, "a": [1, {"b": null}], "s": "\u00e9\n\"", "t": true}"#
        let v = try OrderedJSON.parse(text)
        XCTAssertEqual(v.members?.map(\.key), ["z", "a", "s", "t"])
        XCTAssertEqual(v["z"], .number("1.50"))
        XCTAssertEqual(v["s"]?.stringValue, "é\n\"")
        XCTAssertEqual(try OrderedJSON.parse(v.text), v)
        XCTAssertThrowsError(try OrderedJSON.parse("{\"a\": 01}"))
        XCTAssertThrowsError(try OrderedJSON.parse("{\"a\": 1} x"))
    }

    // MARK: - Local sweeps

    func testTwoByTwoSweepWithTwoJobsGivesFourRowsInGridOrder() throws {
        let r = try sweep(["nb.flnb", "--param", "a=1,2", "--param", "b=x,y", "--jobs", "2"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(r.stdout, SweepTestProcess.expectedCSV, r.all)
        // The same table however many run at once, in every format; --out is written whole.
        let one = try sweep(["nb.flnb", "--param", "a=1,2", "--param", "b=x,y", "--jobs", "1", "--format", "json"])
        XCTAssertEqual(one.stdout, """
            {"a": 1, "b": "x", "double": 2, "tag": "x!"}
            {"a": 1, "b": "y", "double": 2, "tag": "y!"}
            {"a": 2, "b": "x", "double": 4, "tag": "x!"}
            {"a": 2, "b": "y", "double": 4, "tag": "y!"}

            """, one.all)
        let scratchBefore = Self.sweepScratchFolders()
        let md = try sweep(["nb.flnb", "--param", "a=1,2", "--param", "b=x,y", "--jobs", "4", "--out", "table.md"])
        XCTAssertEqual(md.status, 0, md.all)
        XCTAssertEqual(md.stdout, "")
        XCTAssertTrue(md.stderr.contains("wrote table.md (4 rows from 4 runs)"), md.all)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("table.md"), encoding: .utf8), """
            |   a | b   | double | tag |
            | --: | --- | -----: | --- |
            |   1 | x   |      2 | x!  |
            |   1 | y   |      2 | y!  |
            |   2 | x   |      4 | x!  |
            |   2 | y   |      4 | y!  |

            """)
        // No scratch files are left behind.
        XCTAssertTrue(Self.sweepScratchFolders().isSubset(of: scratchBefore), "\(Self.sweepScratchFolders().subtracting(scratchBefore))")
    }

    static func sweepScratchFolders() -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)) ?? []).filter { $0.hasPrefix("flnb-sweep-") })
    }

    func testAFailingCombinationExits70AndTheOthersAreInTheTable() throws {
        let r = try sweep(["nb.flnb", "--param", "a=1,oops,3", "--param", "b=x", "--jobs", "2"])
        XCTAssertEqual(r.status, 70, r.all)
        XCTAssertEqual(r.stdout, "a,b,double,tag\n1,x,2,x!\n3,x,6,x!\n", r.all)
        XCTAssertTrue(r.stderr.contains("run 1 of 3 (a=oops b=x) failed: exit status 65"), r.all)
        XCTAssertTrue(r.stderr.contains("parameter a = 'oops' is not a number"), r.all)
        XCTAssertTrue(r.stderr.contains("1 of 3 runs failed (1); the table has the rows of the other 2"), r.all)
    }

    func testDryRunListsTheCombinationsAndRunsNothing() throws {
        let r = try sweep(["nb.flnb", "--param", "a=1,2", "--param", "b=x,y z", "--dry-run", "--jobs", "3"])
        XCTAssertEqual(r.status, 0, r.all)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "4 runs (2 a × 2 b), 3 at a time, 1 thread each; nothing run:")
        XCTAssertEqual(lines.filter { $0.hasPrefix("  ") && !$0.hasPrefix("     ") }.map { $0.trimmingCharacters(in: .whitespaces) },
                       ["0  a=1 b=x", "1  a=1 b=y z", "2  a=2 b=x", "3  a=2 b=y z"])
        XCTAssertTrue(r.stdout.contains("FLNB_PARAM_a=1 FLNB_PARAM_b='y z' flnb run \(folder.standardizedFileURL.path)/nb.flnb"), r.stdout)
        let t = try sweep(["--train", "--model lwf_mc --dataset seq-digits", "--param", "seed=1,2", "-n"])
        XCTAssertTrue(t.stdout.contains("flnb train --model lwf_mc --dataset seq-digits --seed 2"), t.all)
    }

    func testUsageErrorsExit64BeforeAnythingRuns() throws {
        let cases: [([String], String)] = [
            ([], "no notebook given"),
            (["missing.flnb", "--param", "a=1"], "notebook 'missing.flnb' not found"),
            (["nb.flnb", "--param", "a:1,2"], "is not NAME=V1,V2"),
            (["nb.flnb", "--param", "a=1", "--param", "a=3"], "--param a given twice"),
            (["nb.flnb", "--param", "a=1", "--index", "1"], "--index 1 is out of range"),
            (["--train", "--model lwf_mc --dataset seq-digits", "--param", "seeds=1,2"], "unknown option '--seeds'; did you mean '--seed'?"),
            (["--train", "--model lwf_mc --dataset seq-digits --seed 1", "--param", "seed=1,2"], "--seed is both in --train and swept"),
            (["--train", "--model lwf_mc --dataset seq-digits --results r", "--param", "seed=1,2"], "must not set --results"),
        ]
        for (args, message) in cases {
            let r = try sweep(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.all)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): expected '\(message)' in:\n\(r.stderr)")
            XCTAssertTrue(r.stderr.contains("See flnb sweep --help."), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("results").path))
        let help = try sweep(["--help"])
        XCTAssertEqual(help.status, 0)
        for option in ["--param", "--jobs", "--threads-per-job", "--format", "--out", "--dry-run", "--index", "--slurm", "--submit", "--timeout", "--collect", "--train"] {
            XCTAssertTrue(help.stdout.contains(option), option)
        }
    }

    func testIndexRunsOneCombinationInTheForeground() throws {
        let r = try sweep(["nb.flnb", "--param", "a=1,2", "--param", "b=x,y", "--index", "2", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(r.stdout, "{\"a\": 2, \"b\": \"x\", \"double\": 4, \"tag\": \"x!\"}\n")
    }

    /// `--train` with 2 seeds: the rows hold the same metrics as `flnb train` run directly
    /// with those flags (and the same thread count).
    func testTrainSweepMatchesFlnbTrainRunDirectly() throws {
        let flags = ["--run", "flashback", "--model", "lwf_mc", "--dataset", "seq-digits", "--lr", "0.3",
                     "--epoch_base", "2", "--epoch_cl", "1", "--epoch_fl", "1", "--alpha_p", "0.1"]
        let root = try XCTUnwrap(NotebookCheckTests.packageRoot)
        let data = ["--data_root", root.appendingPathComponent("data").path]
        let r = try sweep(["--train", (flags + data).map(shellQuote).joined(separator: " "), "--param", "seed=1,2", "--jobs", "2", "--format", "json"], timeout: 300)
        XCTAssertEqual(r.status, 0, r.all)
        let rows = try r.stdout.split(separator: "\n").map { try XCTUnwrap(try OrderedJSON.parse(String($0)).members) }
        XCTAssertEqual(rows.count, 2, r.stdout)
        for (row, seed) in zip(rows, ["1", "2"]) {
            XCTAssertEqual(row.first, .init(key: "seed", value: .number(seed)))
            let direct = try SweepTestProcess.flnb(["train"] + flags + data + ["--seed", seed, "--threads", "1", "--results", "direct"], in: folder, timeout: 300)
            XCTAssertEqual(direct.status, 0, direct.all)
            let json = try OrderedJSON.parse(String(contentsOf: folder.appendingPathComponent("direct/seq-digits/lwf_mc-flashback-s\(seed).json"), encoding: .utf8))
            let expected = SweepJob.metricsRow(json)
            XCTAssertEqual(expected.count, 18)
            let got = Dictionary(uniqueKeysWithValues: row.map { ($0.key, $0.value) })
            for m in expected {
                if case .number(let want) = m.value, case .number(let have)? = got[m.key] {
                    XCTAssertEqual(Double(have), Double(want), "seed \(seed) \(m.key)")
                } else {
                    XCTAssertEqual(got[m.key], m.value, "seed \(seed) \(m.key)")
                }
            }
            XCTAssertNotNil(got["class_il_final_avg_acc"])
            XCTAssertNotNil(got["task_il_final_avg_acc"])
            XCTAssertNotNil(got["class_il_forgetting"])
            XCTAssertNotNil(got["class_il_bwt"])
        }
    }

    // MARK: - Slurm files, without Slurm

    /// `--slurm DIR` writes the array script and grid; running each task's `--index i` line by
    /// hand (what Slurm does) and `--collect DIR` gives the local table; a missing task is a failure.
    func testSlurmArrayTasksRunByHandCollectToTheLocalTable() throws {
        let dir = folder.appendingPathComponent("sw")
        let w = try sweep(["nb.flnb", "--param", "a=1,2", "--param", "b=x,y", "--jobs", "3", "--threads-per-job", "2",
                           "--slurm", "sw", "--sbatch=--time=00:05:00"])
        XCTAssertEqual(w.status, 0, w.all)
        XCTAssertTrue(w.stdout.contains("sbatch \(dir.standardizedFileURL.path)/sweep.sbatch"), w.all)
        let script = try String(contentsOf: dir.appendingPathComponent("sweep.sbatch"), encoding: .utf8)
        for line in ["#SBATCH --array=0-3%3", "#SBATCH --cpus-per-task=2", "#SBATCH --output=\(dir.standardizedFileURL.path)/logs/%A_%a.out",
                     "#SBATCH --time=00:05:00", "--index \"$SLURM_ARRAY_TASK_ID\""] {
            XCTAssertTrue(script.contains(line), "\(line) not in:\n\(script)")
        }
        let grid = try OrderedJSON.parse(String(contentsOf: dir.appendingPathComponent("grid.json"), encoding: .utf8))
        XCTAssertEqual(grid["count"], .number("4"))
        XCTAssertEqual(grid["combinations"]?.arrayValue?[1], .object([.init(key: "a", value: .string("1")), .init(key: "b", value: .string("y"))]))
        // The task command, as the script runs it (the executable and arguments of its exec line).
        let exec = try XCTUnwrap(script.split(separator: "\n").first { $0.hasPrefix("exec ") })
        let words = try SweepOptions.shellWords(String(exec.dropFirst(5)))
        XCTAssertEqual(Array(words.suffix(2)), ["--index", "$SLURM_ARRAY_TASK_ID"])
        for i in [0, 1, 3] {
            let t = try SweepTestProcess.run(words[0], Array(words.dropFirst().dropLast()) + [String(i)], in: folder)
            XCTAssertEqual(t.status, 0, t.all)
        }
        let partial = try sweep(["--collect", "sw"])
        XCTAssertEqual(partial.status, 70, partial.all)
        XCTAssertTrue(partial.stderr.contains("run 2 of 4 (a=2 b=x) failed: no result"), partial.all)
        _ = try SweepTestProcess.run(words[0], Array(words.dropFirst().dropLast()) + ["2"], in: folder)
        let all = try sweep(["--collect", "sw"])
        XCTAssertEqual(all.status, 0, all.all)
        XCTAssertEqual(all.stdout, SweepTestProcess.expectedCSV)
        // A task that fails records why, and the collection reports it.
        _ = try sweep(["nb.flnb", "--param", "a=1,bad", "--slurm", "sw2"])
        let bad = try sweep(["nb.flnb", "--param", "a=1,bad", "--slurm", "sw2", "--index", "1"])
        XCTAssertEqual(bad.status, 70, bad.all)
        let c = try sweep(["--collect", "sw2"])
        XCTAssertEqual(c.status, 70, c.all)
        XCTAssertTrue(c.stderr.contains("run 1 of 2 (a=bad) failed: exit status 65"), c.all)
        XCTAssertTrue(c.stderr.contains("is not a number"), c.all)
    }
}
