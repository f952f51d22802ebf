import Foundation
import Testing
import FLScript
import FLTensor
#if canImport(flnb_repl)
@testable import flnb_repl
#else
@testable import flnb
#endif

@Suite("Progress line")
struct ProgressLineTests {
    /// A progress line drawing into `drawn`, on a clock the test moves.
    final class Harness: @unchecked Sendable {
        var drawn: [String] = []
        var now: TimeInterval = 0
        lazy var line = ProgressLine(enabled: true, minimumInterval: 0.1, sink: { self.drawn.append($0) },
                                     width: { 80 }, clock: { self.now })
    }

    @Test("renders title, bar, percent, count, fields and ETA")
    func render() {
        let text = ProgressLine.render(title: "train", done: 120, total: 320,
                                       fields: [("task", "2/5"), ("phase", "1"), ("loss", "0.412"), ("img/s", "812")],
                                       eta: 42, width: 120)
        #expect(text == "train [=======>            ]  37% 120/320 · task 2/5 · phase 1 · loss 0.412 · img/s 812 · ETA 0:42")
        #expect(ProgressLine.render(title: "eval", done: 7, total: nil, fields: [], eta: nil, width: 80) == "eval 7")
        #expect(ProgressLine.render(title: "t", done: 5, total: 5, fields: [], eta: 3725, width: 80)
                == "t [====================] 100% 5/5 · ETA 1:02:05")
    }

    @Test("fits the terminal: fields are dropped from the end, a long title is cut")
    func fitsWidth() {
        let text = ProgressLine.render(title: "train", done: 1, total: 2, fields: [("task", "1/5"), ("loss", "0.5")],
                                       eta: nil, width: 50)
        #expect(text == "train [==========>         ]  50% 1/2 · task 1/5")
        #expect(text.count <= 49)
        let long = ProgressLine.render(title: String(repeating: "x", count: 100), done: 1, total: 2, fields: [], eta: nil, width: 40)
        #expect(long.count == 39)
        #expect(long.hasSuffix("…"))
    }

    @Test("redraws at most every 0.1 s (always at completion) and erases itself on finish")
    func throttling() {
        let harness = Harness()
        harness.line.update(title: "t", done: 1, total: 10)
        harness.now = 0.05
        harness.line.update(title: "t", done: 2, total: 10)
        #expect(harness.drawn.count == 1, "too soon to redraw")
        harness.now = 0.2
        harness.line.update(title: "t", done: 3, total: 10)
        harness.now = 0.21
        harness.line.update(title: "t", done: 10, total: 10)
        #expect(harness.drawn.count == 3)
        #expect(harness.drawn.allSatisfy { $0.hasPrefix("\r") && $0.hasSuffix("\u{1B}[K") })
        #expect(harness.drawn[1].contains("ETA 0:01"), "7 left at 10/s since the first update")
        harness.line.finish()
        #expect(harness.drawn.last == "\r\u{1B}[K")
        harness.line.finish()
        #expect(harness.drawn.count == 4, "nothing to erase twice")
    }

    @Test("a disabled line writes nothing")
    func disabled() {
        var drawn: [String] = []
        let line = ProgressLine(enabled: false, sink: { drawn.append($0) })
        line.update(title: "t", done: 1, total: 2, fields: ["loss": "1"])
        line.clear()
        line.finish()
        #expect(drawn.isEmpty)
    }
}

@Suite("Tab completion plan")
struct CompletionPlanTests {
    @Test("what Tab inserts and whether it lists", arguments: [
        ("my_cou", ["my_counter"], "my_counter", false),
        ("le", ["lr:"], "lr:", false),                               // matched through its doc
        ("al", ["alpha_one", "alpha_two"], "alpha_", false),         // common prefix extends the word
        ("alpha_", ["alpha_one", "alpha_two"], "alpha_", true),      // no progress: list
        ("le", ["len", "lr:"], "le", true),                          // would shorten the word: list
        ("", ["a", "b"], "", true),
        ("x", ["x", "x"], "x", false),                               // duplicates collapse
    ])
    func plan(word: String, candidates: [String], replacement: String, lists: Bool) {
        let plan = CompletionPlan(word: word, candidates: candidates)
        #expect(plan.replacement == replacement)
        #expect(plan.listsCandidates == lists)
    }
}

@Suite("History file")
struct HistoryFileTests {
    @Test("skips blanks and repeats, keeps the last `limit` lines, survives a reload")
    func boundedAndPersistent() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("history").path
        var history = HistoryFile(path: path, limit: 3)
        #expect(history.entries.isEmpty)
        for line in ["a = 1", "a = 1", "  ", "b", "c", "d"] { history.append(line) }
        #expect(history.entries == ["b", "c", "d"])
        try history.save()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "b\nc\nd\n")
        #expect(HistoryFile(path: path, limit: 2).entries == ["c", "d"])
    }

    @Test("FLNB_HISTORY overrides ~/.flnb_history; empty turns persistence off")
    func location() {
        #expect(HistoryFile.defaultPath(environment: ["HOME": "/home/u"]) == "/home/u/.flnb_history")
        #expect(HistoryFile.defaultPath(environment: ["HOME": "/home/u", "FLNB_HISTORY": "/tmp/h"]) == "/tmp/h")
        #expect(HistoryFile.defaultPath(environment: ["FLNB_HISTORY": ""]) == nil)
        #expect(HistoryFile.defaultPath(environment: [:]) == nil)
    }
}

@Suite("Meta-commands")
struct MetaCommandTests {
    @Test("parse", arguments: [
        (":help", MetaCommand.help), (" :vars ", .vars), (":time", .time), (":reset", .reset),
        (":q", .quit), (":quit", .quit), (":save out.flnb", .save(path: "out.flnb")),
        (":load  \"my run.flnb\" ", .load(path: "my run.flnb")),
    ])
    func parses(line: String, command: MetaCommand) throws {
        #expect(try MetaCommand.parse(line).get() == command)
    }

    @Test("mistakes", arguments: [
        (":save", "usage: :save FILE"), (":vars x", ":vars takes no argument"),
        (":sav x", "did you mean ':save'?"), (":lod x", "did you mean ':load'?"), (":zzz", "unknown command ':zzz' (:help"),
    ])
    func mistakes(line: String, message: String) {
        guard case .failure(let error) = MetaCommand.parse(line) else {
            Issue.record("\(line) parsed")
            return
        }
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test("~ expands in file names")
    func tilde() throws {
        guard case .save(let path) = try MetaCommand.parse(":save ~/x.flnb").get() else { return }
        #expect(!path.hasPrefix("~"))
    }
}

@Suite("flnb run options")
struct NotebookOptionsTests {
    @Test("flags")
    func flags() throws {
        let options = try NotebookOptions.parse(["--check", "--tolerance=1e-3", "a.flnb", "--", "--odd.flnb"])
        #expect(options.action == .check)
        #expect(options.tolerance == 1e-3)
        #expect(options.files == ["a.flnb", "--odd.flnb"])
        #expect(try NotebookOptions.parse(["--update", "--continue-on-error", "x"]).continueOnError)
        // --help is answered for every command by the dispatcher (FlnbCommand.run), from the declared options.
        #expect(NotebookCommand.help.contains("--continue-on-error"))
    }

    @Test("usage errors", arguments: [
        ([], "no notebook"), (["--check", "--update", "x"], "cannot be combined"), (["--tolerance", "-1", "x"], "non-negative"),
        (["--check=yes", "x"], "takes no value"), (["-x", "f"], "unknown option '-x'"),
    ])
    func usage(arguments: [String], problem: String) {
        do {
            _ = try NotebookOptions.parse(arguments)
            Issue.record("\(arguments) parsed")
        } catch {
            #expect("\(error)".contains(problem), "\(error)")
        }
    }
}

@Suite("Session transcript and files")
struct TranscriptTests {
    @Test("a saved session is a notebook whose cells carry the outputs")
    func notebook() {
        var transcript = SessionTranscript()
        transcript.record(code: "x = 1", output: "")
        transcript.record(code: "print(x)\nx + 1", output: "1\n2\n")
        let text = transcript.notebook(version: "9.9", date: Date(timeIntervalSince1970: 0)).text
        #expect(text.hasPrefix("# flnb 1\n# %% [markdown]\n# # flnb session\n# Saved at the prompt by flnb 9.9 on 1970-01-01"))
        #expect(text.hasSuffix("\n# %%\nx = 1\n\n# %%\nprint(x)\nx + 1\n#> 1\n#> 2\n"))
        let parsed = Notebook(parsing: text)
        #expect(parsed.cells.map(\.kind) == [.markdown, .code, .code])
        #expect(parsed.cells[2].outputs == ["1", "2"])
        #expect(parsed.text == text)
    }

    @Test("atomic writes keep permissions, follow symlinks and leave no temporary file")
    func atomicWrite() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("n.flnb").path
        try AtomicFile.write("one\n", to: target)
        chmod(target, 0o600)
        let link = folder.appendingPathComponent("link.flnb").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try AtomicFile.write("two\n", to: link)
        #expect(try AtomicFile.readText(target) == "two\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        let mode = try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["link.flnb", "n.flnb"])
        #expect(throws: FileError.self) { try AtomicFile.write("x", to: folder.appendingPathComponent("no/such/dir/f").path) }
    }
}
