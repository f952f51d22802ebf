import XCTest
import FLScript

/// `report(row, path:)` and `read_reports(path)`: results notebooks record each run as it ends
/// and assemble tables from runs recorded over several sessions, so the file must read back
/// exactly what was written, and a damaged file must say where.
final class ReportFileTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try FlnbBinary.temporaryFolder() }
    override func tearDownWithError() throws { if let folder { try? FileManager.default.removeItem(at: folder) } }

    private func run(_ source: String) -> (output: String, error: String) {
        var out = ""
        let interp = FLSession.makeInterpreter(output: { out += $0 })
        let r = interp.run(source, file: "t.fl", echo: false)
        return (out, r.succeeded ? "" : r.errorText)
    }

    func testRowsRoundTripThroughTheFile() throws {
        let path = folder.appendingPathComponent("sub/runs.jsonl").path
        let (out, err) = run("""
            p = "\(path)"
            report({"key": "lwf_mc", "seed": 123, "acc": 29.187654321098765, "tiny": 1e-7, "neg": -0.5, "ok": true, "none": nil, "text": "a \\"q\\" \\\\ é\\n"}, path: p)
            report({"key": "icarl", "seed": 246, "acc": 66.48}, path: p)
            rows = read_reports(p)
            print(len(rows), rows[0]["key"], rows[0]["seed"], rows[0]["acc"] == 29.187654321098765, rows[0]["tiny"] == 1e-7)
            print(rows[0]["neg"], rows[0]["ok"], rows[0]["none"], rows[0]["text"] == "a \\"q\\" \\\\ é\\n", rows[1])
            print(keys(rows[0]))
            """)
        XCTAssertEqual(err, "")
        XCTAssertEqual(out, """
            2 lwf_mc 123 true true
            -0.5 true nil true {"key": "icarl", "seed": 246, "acc": 66.48}
            ["key", "seed", "acc", "tiny", "neg", "ok", "none", "text"]

            """)
        // Appending never rewrites what is there.
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count, 2)
    }

    func testWindowsLineEndsAndBlankLinesRead() throws {
        let path = folder.appendingPathComponent("crlf.jsonl").path
        try "{\"a\": 1}\r\n\r\n{\"a\": 2, \"b\": \"x\"}\r\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (out, err) = run("print(read_reports(\"\(path)\"))")
        XCTAssertEqual(err, "")
        XCTAssertEqual(out, "[{\"a\": 1}, {\"a\": 2, \"b\": \"x\"}]\n")
    }

    func testBadFilesNameTheLineAndTheSessionGoesOn() throws {
        let path = folder.appendingPathComponent("bad.jsonl").path
        for (text, message) in [
            ("{\"a\": 1}\n\n{\"a\": 2,}\n", "line 3: expected a quoted key"),
            ("{\"a\": 1}\n{\"a\": [1]}\n", "line 2: nested objects and lists are not supported"),
            ("{\"a\": 1} x\n", "line 1: unexpected text after the value"),
            ("{\"a\": \"open\n", "line 1: unterminated string"),
            ("{\"a\": 1.2.3}\n", "line 1: not a number"),
            ("[1, 2]\n", "line 1: expected '{'"),
            ("{\"a\": tru}\n", "line 1: unknown word"),
        ] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let (out, err) = run("""
                r = nil
                r = read_reports("\(path)")
                """)
            XCTAssertTrue(err.contains(message), "\(text.debugDescription): \(err)")
            XCTAssertEqual(out, "")
        }
        let (_, missing) = run("read_reports(\"\(folder.appendingPathComponent("none.jsonl").path)\")")
        XCTAssertTrue(missing.contains("read_reports: no file"), missing)
        // The interpreter that hit the error still runs.
        var out = ""
        let interp = FLSession.makeInterpreter(output: { out += $0 })
        XCTAssertFalse(interp.run("read_reports(\"\(path)\")", file: "t.fl", echo: false).succeeded)
        XCTAssertTrue(interp.run("print(1 + 1)", file: "t.fl", echo: false).succeeded)
        XCTAssertEqual(out, "2\n")
    }
}
