import Foundation
import FLScript
import XCTest
@testable import flnb

/// `flnb kernel` driven by Jupyter's own client libraries (jupyter_client, jupyter_kernel_test,
/// nbclient) from the test virtual environment that `scripts/setup.sh --test` creates in
/// `.venv-test/`. The Python side is Tests/jupyter/test_kernel.py; this test installs the
/// kernelspec into a temporary prefix, runs it there, and fails on any failing Python test.
/// Without the environment it skips — except under CI (CI=true), where it fails.
final class JupyterKernelTests: XCTestCase {
    static var python: String? {
        guard let root = NotebookCheckTests.packageRoot else { return nil }
        let path = root.appendingPathComponent(".venv-test/bin/python").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    func requirePython() throws -> String {
        if let python = Self.python { return python }
        let message = "no Python test environment in .venv-test (run scripts/setup.sh --test)"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail(message)
            throw XCTSkip("failed: " + message)
        }
        throw XCTSkip(message)
    }

    func testKernelspecInstallsIntoAPrefix() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try SweepTestProcess.flnb(["kernel", "install", "--prefix", folder.path], in: folder)
        XCTAssertEqual(result.status, 0, result.all)
        let specPath = folder.appendingPathComponent("share/jupyter/kernels/flnb/kernel.json").path
        let spec = try OrderedJSON.parse(String(contentsOfFile: specPath, encoding: .utf8))
        let argv = spec["argv"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertEqual(argv.dropFirst(), ["kernel", "-f", "{connection_file}"])
        XCTAssertEqual(argv.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path },
                       URL(fileURLWithPath: FlnbBinary.path).resolvingSymlinksInPath().path)
        XCTAssertEqual(spec["display_name"]?.stringValue, "FLScript (flnb)")
        XCTAssertEqual(spec["language"]?.stringValue, "flscript")
        XCTAssertEqual(spec["interrupt_mode"]?.stringValue, "signal")
        // --user goes under $HOME (the test's HOME is the temporary folder).
        let user = try SweepTestProcess.flnb(["kernel", "install", "--user"], in: folder, environment: ["JUPYTER_DATA_DIR": "", "XDG_DATA_HOME": ""])
        XCTAssertEqual(user.status, 0, user.all)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".local/share/jupyter/kernels/flnb/kernel.json").path), user.all)
        let usage = try SweepTestProcess.flnb(["kernel", "install", "--user", "--prefix", folder.path], in: folder)
        XCTAssertEqual(usage.status, ExitStatus.usage, usage.all)
    }

    func testMissingConnectionFileExits66NamingIt() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("no-such-connection.json").path
        let result = try SweepTestProcess.flnb(["kernel", "-f", missing], in: folder)
        XCTAssertEqual(result.status, 66, result.all)
        XCTAssertTrue(result.stderr.contains(missing), result.all)
    }

    func testRunToIpynbWritesTheExecutedNotebookAndConvertNamesTheBadCell() throws {
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = "# flnb 1\n# %% [markdown]\n# Two cells.\n# %%\nx = 20\nx + 1\n#> 0\n# %%\nprint(\"x is\", x)\n"
        try source.write(to: folder.appendingPathComponent("small.flnb"), atomically: true, encoding: .utf8)
        let run = try SweepTestProcess.flnb(["run", "--to", "ipynb", "small.ipynb", "small.flnb"], in: folder)
        XCTAssertEqual(run.status, 0, run.all)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("small.flnb"), encoding: .utf8), source, "the .flnb is untouched")
        let json = try OrderedJSON.parse(String(contentsOf: folder.appendingPathComponent("small.ipynb"), encoding: .utf8))
        let outputs = (json["cells"]?.arrayValue ?? []).compactMap { $0["outputs"]?.arrayValue?.first }
        XCTAssertEqual(outputs.map { Notebook.multiline($0["text"]) }, ["21\n", "x is 20\n"])
        let back = try SweepTestProcess.flnb(["convert", "small.ipynb", "--to", "flnb", "--out", "-"], in: folder)
        XCTAssertEqual(back.stdout, source.replacingOccurrences(of: "#> 0", with: "#> 21") + "#> x is 20\n")

        // A plot becomes an SVG display after the cell's text; its text rendering is the fallback.
        let plotted = "# %%\nprint(\"before\")\nplot([1, 3, 2], title: \"three\")\n"
        try plotted.write(to: folder.appendingPathComponent("plot.flnb"), atomically: true, encoding: .utf8)
        let plotRun = try SweepTestProcess.flnb(["run", "--to", "ipynb", "plot.ipynb", "plot.flnb"], in: folder)
        XCTAssertEqual(plotRun.status, 0, plotRun.all)
        let plotJSON = try OrderedJSON.parse(String(contentsOf: folder.appendingPathComponent("plot.ipynb"), encoding: .utf8))
        let plotOutputs = plotJSON["cells"]?.arrayValue?.first?["outputs"]?.arrayValue ?? []
        XCTAssertEqual(plotOutputs.map { $0["output_type"]?.stringValue }, ["stream", "display_data"])
        XCTAssertEqual(Notebook.multiline(plotOutputs.first?["text"]), "before\n")
        let svg = Notebook.multiline(plotOutputs.last?["data"]?["image/svg+xml"]) ?? ""
        XCTAssertTrue(svg.hasPrefix("<svg") && svg.contains("three"), svg)
        XCTAssertTrue((Notebook.multiline(plotOutputs.last?["data"]?["text/plain"]) ?? "").contains("three"))

        try #"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": "1"}, {"cell_type": "code", "source": ["x"], "outputs": [{"output_type": "stream", "text": 3}]}]}"#
            .write(to: folder.appendingPathComponent("broken.ipynb"), atomically: true, encoding: .utf8)
        let broken = try SweepTestProcess.flnb(["convert", "broken.ipynb", "--to", "flnb"], in: folder)
        XCTAssertEqual(broken.status, ExitStatus.scriptError, broken.all)
        XCTAssertTrue(broken.stderr.contains("broken.ipynb: cell 1: outputs[0].text:"), broken.all)
    }

    /// The conformance suite, flnb's own kernel behaviour (errors, plots, progress display,
    /// interrupts, malformed messages) and quickstart.flnb executed by nbclient.
    func testJupyterClientsAgainstTheKernel() throws {
        let python = try requirePython()
        let root = try XCTUnwrap(NotebookCheckTests.packageRoot)
        let folder = try FlnbBinary.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let install = try SweepTestProcess.flnb(["kernel", "install", "--prefix", folder.path], in: folder)
        XCTAssertEqual(install.status, 0, install.all)
        let environment = [
            "JUPYTER_PATH": folder.appendingPathComponent("share/jupyter").path,
            "JUPYTER_RUNTIME_DIR": folder.appendingPathComponent("runtime").path,
            "JUPYTER_PLATFORM_DIRS": "1",
            "FLNB_BIN": FlnbBinary.path,
            "PYTHONDONTWRITEBYTECODE": "1",
        ]
        let script = root.appendingPathComponent("Tests/jupyter/test_kernel.py").path
        // Run in the temporary folder: it is also HOME for the run, so nothing lands in the repository.
        let result = try SweepTestProcess.run(python, [script], in: folder, environment: environment, timeout: 300)
        XCTAssertEqual(result.status, 0, result.all)
        // unittest's verbose report: "test_name (__main__.Class.test_name) ... ok", possibly with the
        // kernel's own log lines (dropped messages) between the name and the outcome.
        func outcome(_ name: String) -> String? {
            guard let start = result.stderr.range(of: "\n\(name) (") ?? result.stderr.range(of: "\(name) (") else { return nil }
            let rest = result.stderr[start.upperBound...]
            let end = ["\ntest_", "\n===", "\n---"].compactMap { rest.range(of: $0)?.lowerBound }.min() ?? rest.endIndex
            let last = rest[..<end].split(separator: "\n").last.map(String.init) ?? ""
            return last.components(separatedBy: " ... ").last?.trimmingCharacters(in: .whitespaces)
        }
        for name in ["test_kernel_info", "test_execute_stdout", "test_execute_stderr", "test_error", "test_execute_result", "test_display_data",
                     "test_completion", "test_inspect", "test_is_complete", "test_history",
                     "test_meta_command_errors_go_to_stderr", "test_plot_shows_svg_inline_with_a_text_fallback",
                     "test_training_progress_is_one_updating_display_and_an_interrupt_keeps_the_run",
                     "test_interrupt_request_on_control_interrupts_too", "test_malformed_messages_and_bad_signatures_are_dropped",
                     "test_missing_connection_file_exits_66_naming_it",
                     "test_quickstart_executed_by_nbclient_records_what_flnb_run_records"] {
            XCTAssertEqual(outcome(name), "ok", "\(name):\n\(result.stderr)")
        }
    }
}
