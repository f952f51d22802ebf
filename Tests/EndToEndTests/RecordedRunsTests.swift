import XCTest

/// The results notebooks run for hours; `FLNB_PARAM_record` keeps every finished run in a file
/// and `FLNB_PARAM_collect` builds the tables from that file instead of training. A collected
/// table must carry exactly the recorded numbers, and a missing run must be named with the
/// command that records it. Checked on seq-fmnist's short configuration (seconds).
final class RecordedRunsTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try FlnbBinary.temporaryFolder() }
    override func tearDownWithError() throws { if let folder { try? FileManager.default.removeItem(at: folder) } }

    func testRecordThenCollectGivesTheSameTablesAndAMissingRunIsNamed() throws {
        let root = try XCTUnwrap(NotebookCheckTests.packageRoot)
        let file = folder.appendingPathComponent("runs.jsonl").path
        // Run from a scratch folder (the data found through FLNB_DATA) so nothing lands in the tree.
        let notebook = root.appendingPathComponent("notebooks/results/seq-fmnist.flnb").path
        let data = root.appendingPathComponent("data").path
        let recorded = try SweepTestProcess.flnb(["run", notebook], in: folder, environment: ["FLNB_PARAM_record": file, "FLNB_DATA": data])
        XCTAssertEqual(recorded.status, 0, recorded.stderr)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4, "MLP and CNN, original and Flashback")
        XCTAssertTrue(lines[1].contains("\"variant\": \"flashback\"") && lines[1].contains("\"fl\": \"0.01·1+1\""), String(lines[1]))

        let collected = try SweepTestProcess.flnb(["run", notebook], in: folder, environment: ["FLNB_PARAM_collect": file, "FLNB_DATA": data])
        XCTAssertEqual(collected.status, 0, collected.stderr)
        XCTAssertEqual(collected.stdout.components(separatedBy: "(recorded)").count - 1, 4)
        // The tables (every line starting with "|") are the same, times included.
        func tables(_ s: String) -> [Substring] { s.split(separator: "\n").filter { $0.hasPrefix("|") } }
        XCTAssertEqual(tables(collected.stdout), tables(recorded.stdout))
        XCTAssertFalse(tables(recorded.stdout).isEmpty)

        // Drop the CNN's Flashback run: collecting stops there and says how to record it.
        let partial = lines.filter { !($0.contains("\"part\": \"cnn\"") && $0.contains("flashback")) }.joined(separator: "\n") + "\n"
        try partial.write(toFile: file, atomically: true, encoding: .utf8)
        let missing = try SweepTestProcess.flnb(["run", notebook], in: folder, environment: ["FLNB_PARAM_collect": file, "FLNB_DATA": data])
        XCTAssertNotEqual(missing.status, 0)
        let text = missing.stdout + missing.stderr
        XCTAssertTrue(text.contains("no recorded run of LwF.MC flashback seed 123 (cnn on short data)"), text)
        XCTAssertTrue(text.contains("record it with: FLNB_PARAM_parts=cnn FLNB_PARAM_methods=lwf_mc FLNB_PARAM_seeds=123 FLNB_PARAM_record=\(file) flnb run"), text)

        // A diverged run's metrics are recorded as null and collected as NaN, not an error.
        let nulled = partial + lines[3].replacingOccurrences(of: "\"class_il\": ", with: "\"class_il\": null, \"was\": ") + "\n"
        try nulled.write(toFile: file, atomically: true, encoding: .utf8)
        let nan = try SweepTestProcess.flnb(["run", notebook], in: folder, environment: ["FLNB_PARAM_collect": file, "FLNB_DATA": data])
        XCTAssertEqual(nan.status, 0, nan.all)
        XCTAssertTrue(nan.stdout.contains("flashback · seed 123: class-IL nan"), nan.stdout)
    }
}
