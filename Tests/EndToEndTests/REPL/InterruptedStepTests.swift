import Foundation
import Testing

/// Ctrl-C during a training step: the run stops at its last completed batch, the session goes
/// on, and `:save` records the step as the exact number of state-machine units it completed,
/// so the saved notebook replays to the same cursor and the same numbers.
@Suite("REPL: interrupting a training step")
struct InterruptedStepTests {
    @Test("Ctrl-C during run.step, then :save, replays under --check")
    func interruptTrainingStep() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let notebook = folder.appendingPathComponent("interrupted.flnb").path
        let terminal = try FlnbBinary.startTerminalSession(in: folder)
        try terminal.expect("flnb> ")
        func enter(_ line: String) throws -> String {
            terminal.send(line + "\r")
            return try terminal.expect("flnb> ")
        }
        _ = try enter("bench = benchmark(\"seq-mnist5k\")")
        // Long enough to be interrupted: many small batches with replay.
        _ = try enter("fast_run = experiment(bench, mlp(), strategy: derpp(buffer_size: 200), lr: 0.03, batch: 10, epochs: 200, seed: 3)")
        terminal.send("fast_run.step(\"task\")\r")
        terminal.drain(for: 1.0)
        let interrupted = terminal.interrupt(until: "interrupted at task 0", within: 3)
        #expect(interrupted, "Ctrl-C did not stop the step:\n\(terminal.transcript)")
        try terminal.expect("flnb> ")
        let cursor = try enter("fast_run.cursor")
        #expect(cursor.contains("task 0 · primary"), "\(cursor)")
        _ = try enter("fast_run.buffer.count")
        #expect(try enter(":save \(notebook)").contains("saved"))
        terminal.send(":quit\r")
        #expect(try terminal.waitForExit() == 0)

        let text = try String(contentsOfFile: notebook, encoding: .utf8)
        #expect(text.contains("fast_run.step(\"unit\", "), "the interrupted step is recorded as units:\n\(text)")
        #expect(!text.contains("fast_run.step(\"task\")"))
        // The replay reaches the same cursor and buffer (both recorded as outputs).
        let replay = try FlnbBinary.run(["run", "--check", notebook], in: folder, timeout: 300)
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
    }
}
