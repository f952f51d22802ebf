import Foundation
import Testing

/// The REPL as a user meets it: on a pseudo-terminal, typing, Tab, arrows and Ctrl-C.
@Suite("REPL on a terminal")
struct InteractiveReplTests {
    /// Waits for the next prompt.
    private func prompt(_ terminal: PseudoTerminal) throws {
        try terminal.expect("flnb> ")
    }

    /// Types a line and waits for the prompt after it; returns what was printed in between.
    @discardableResult
    private func enter(_ line: String, _ terminal: PseudoTerminal) throws -> String {
        terminal.send(line + "\r")
        return try terminal.expect("flnb> ")
    }

    @Test("edit, recall, complete, fail, interrupt, save — and the saved notebook replays under --check")
    func fullSession() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let notebook = folder.appendingPathComponent("session.flnb").path
        let terminal = try FlnbBinary.startTerminalSession(in: folder)
        try prompt(terminal)

        try enter("x = 41", terminal)
        #expect(try enter("x + 1", terminal).contains("42"))

        // Up arrow recalls the previous line.
        terminal.send("\u{1B}[A")
        try terminal.expect("x + 1")
        terminal.send("\r")
        try terminal.expect("42")
        try prompt(terminal)

        // Non-ASCII text is edited as characters.
        try enter("word = \"héllo → α\"", terminal)
        #expect(try enter("len(word)", terminal).contains("9"))

        // A bracket left open continues on the next line.
        terminal.send("pair = [1,\r")
        try terminal.expect("...> ")
        try enter("2]", terminal)
        #expect(try enter("pair", terminal).contains("[1, 2]"))

        // Tab completes a unique name…
        try enter("my_counter = 7007", terminal)
        terminal.send("my_cou\t\r")
        try terminal.expect("7007")
        try prompt(terminal)
        // …and lists the candidates when it cannot extend the word.
        try enter("alpha_one = 101", terminal)
        try enter("alpha_two = 202", terminal)
        terminal.send("alpha_\t")
        let listing = try terminal.expect("alpha_two")
        #expect(listing.contains("alpha_one"))
        terminal.send("two\r")
        try terminal.expect("202")
        try prompt(terminal)

        // An error prints a diagnostic and the session goes on.
        let failure = try enter("undefined_thing + 1", terminal)
        #expect(failure.contains("error:"))
        #expect(failure.contains("undefined_thing"))

        // Ctrl-C stops a running loop; the prompt returns with the variables intact.
        try enter("spin = 0", terminal)
        terminal.send("while true { spin = spin + 1 }\r")
        terminal.drain(for: 0.3)
        let interrupted = terminal.interrupt(until: "interrupted", within: 2)
        #expect(interrupted, "Ctrl-C did not stop the loop:\n\(terminal.transcript)")
        try prompt(terminal)
        #expect(try enter("x", terminal).contains("41"))

        let saved = try enter(":save \(notebook)", terminal)
        #expect(saved.contains("saved"))
        terminal.send(":quit\r")
        #expect(try terminal.waitForExit() == 0)

        let text = try String(contentsOfFile: notebook, encoding: .utf8)
        #expect(text.hasPrefix("# flnb 1\n# %% [markdown]\n"))
        #expect(text.contains("x + 1\n#> 42\n"))
        #expect(!text.contains("undefined_thing"), "failed inputs are not saved")
        #expect(!text.contains("while true"), "interrupted inputs are not saved")

        let replay = try FlnbBinary.run(["run", "--check", notebook], in: folder)
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("ok"))
    }

    @Test("Ctrl-C clears the line being typed; twice at an empty prompt quits")
    func ctrlCAtThePrompt() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let terminal = try FlnbBinary.startTerminalSession(in: folder)
        try prompt(terminal)
        terminal.send("abc")
        try terminal.expect("abc")
        terminal.send("\u{03}")
        try terminal.expect("^C")
        try prompt(terminal)
        #expect(try enter("1 + 2", terminal).contains("3"), "the cleared text must not prefix the next line")
        terminal.send("\u{03}")
        try terminal.expect("Ctrl-C again")
        try prompt(terminal)
        terminal.send("\u{03}")
        #expect(try terminal.waitForExit() == 0)
    }

    @Test("history persists across sessions (Ctrl-D quits)")
    func historyAcrossSessions() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            let first = try FlnbBinary.startTerminalSession(in: folder)
            try prompt(first)
            #expect(try enter("6 * 7", first).contains("42"))
            first.sendWhenSettled("\u{04}")
            #expect(try first.waitForExit() == 0)
        }
        let history = try String(contentsOf: folder.appendingPathComponent("history"), encoding: .utf8)
        #expect(history == "6 * 7\n")

        let second = try FlnbBinary.startTerminalSession(in: folder)
        try prompt(second)
        second.send("\u{1B}[A\r")
        try second.expect("42")
        second.send(":q\r")
        #expect(try second.waitForExit() == 0)
    }

    @Test(":help, :vars, :time and :reset")
    func metaCommands() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let terminal = try FlnbBinary.startTerminalSession(in: folder)
        try prompt(terminal)
        let help = try enter(":help", terminal)
        for command in [":vars", ":time", ":save FILE", ":load FILE", ":reset", ":quit", "help(x), ?x"] {
            #expect(help.contains(command))
        }
        try enter("rate = 0.5", terminal)
        try enter("names = [\"a\", \"b\"]", terminal)
        let vars = try enter(":vars", terminal)
        #expect(vars.contains("rate   number  0.5"))
        #expect(vars.contains("names  list    [\"a\", \"b\"]"))
        #expect(try enter(":time", terminal).contains("timing on"))
        #expect(try enter("1 + 1", terminal).contains("time: "))
        #expect(try enter(":reset", terminal).contains("session reset"))
        #expect(try enter(":vars", terminal).contains("no variables"))
        #expect(try enter(":frobnicate", terminal).contains("unknown command"))
        terminal.send(":quit\r")
        #expect(try terminal.waitForExit() == 0)
    }
}
