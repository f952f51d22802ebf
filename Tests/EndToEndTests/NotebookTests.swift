import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Every notebook under `notebooks/` is a test: `flnb run --check` replays it and compares each
/// cell's output with its recorded `#>` lines.
///
/// - The notebooks are found relative to the package root (the folder holding Package.swift,
///   found by walking up from this file) and run with the root as working directory, so that
///   `benchmark(…)` finds `./data` and diagnostics name the file as `notebooks/NAME.flnb`.
/// - The binary is `$FLNB_BIN`, else the `flnb` built beside the test runner, else `<root>/.build/release/flnb` or `.build/debug/flnb`.
///   `swift test -c release` builds it (this target depends on the `flnb` product).
/// - Notebooks under `notebooks/long/` run only when `FLNB_LONG_TESTS=1`.
/// - Each notebook gets `$FLNB_NOTEBOOK_TIMEOUT` seconds (default 300); a hang fails instead of
///   blocking the suite.
final class NotebookCheckTests: XCTestCase {
    /// The package root: the nearest folder above this file that holds Package.swift.
    static let packageRoot: URL? = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) { return folder }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }()

    static var timeout: TimeInterval {
        ProcessInfo.processInfo.environment["FLNB_NOTEBOOK_TIMEOUT"].flatMap(TimeInterval.init) ?? 300
    }

    /// "300" or "0.5": a duration without a useless ".0".
    static func seconds(_ t: TimeInterval) -> String { t == t.rounded() ? String(Int(t)) : String(t) }

    static let cpuHasAVX2FMA: Bool = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(line.split(separator: " "))
        return flags.contains("avx2") && flags.contains("fma")
    }()

    static var longTestsEnabled: Bool { ProcessInfo.processInfo.environment["FLNB_LONG_TESTS"] == "1" }

    /// The flnb executable to test, or a message saying how to get one.
    static func binary(root: URL) -> Result<String, BinaryMissing> {
        if let path = ProcessInfo.processInfo.environment["FLNB_BIN"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path)
                ? .success(path) : .failure(BinaryMissing(message: "FLNB_BIN=\(path) is not an executable file"))
        }
        // The binary built with these tests (next to the test runner, whatever the build folder),
        // then the default build folders.
        let nextToRunner = FlnbBinary.path
        let candidates = [nextToRunner] + ["release", "debug"].map { root.appendingPathComponent(".build/\($0)/flnb").path }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return .success(found) }
        return .failure(BinaryMissing(message: """
            no flnb executable: looked for \(candidates.joined(separator: " and ")). \
            Build the product first (`swift build -c release --product flnb`, or run the tests with \
            `swift test -c release`, which builds it) or set FLNB_BIN to the executable.
            """))
    }

    struct BinaryMissing: Error { var message: String }

    /// Notebook paths relative to the root ("notebooks/tour.flnb"), sorted; `long` selects the
    /// ones under notebooks/long/ instead of the others.
    static func notebooks(root: URL, long: Bool) -> [String] {
        let folder = root.appendingPathComponent("notebooks")
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        var found: [String] = []
        for case let url as URL in walker where url.pathExtension == "flnb" {
            let relative = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            if relative.hasPrefix("notebooks/long/") == long { found.append(relative) }
        }
        return found.sorted()
    }

    /// What one `flnb run --check` printed and how it ended.
    struct Outcome {
        var status: Int32
        var timedOut: Bool
        var stdout: String
        var stderr: String
        var seconds: Double
    }

    /// Runs `binary run --check notebook` in `root`, output captured through files (a full pipe
    /// cannot block the child), killed after `timeout` seconds; with `threads`, under
    /// FLNB_THREADS=threads (else the environment's setting, or every core).
    static func check(_ notebook: String, binary: String, root: URL, timeout: TimeInterval, threads: Int? = nil,
                      isa: String? = nil) throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("flnb-notebook-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", "--check", notebook]
        process.currentDirectoryURL = root
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = scratch.path              // history and settings stay out of the user's home
        environment["LANG"] = environment["LANG"] ?? "C.UTF-8"
        if let threads { environment["FLNB_THREADS"] = String(threads) }
        if let isa { environment["FLNB_ISA"] = isa }
        // The recorded outputs were computed with OpenBLAS's Haswell-family GEMM kernels (what
        // AVX2 machines such as Zen use). An AVX-512 machine would pick SkylakeX kernels, which
        // round differently and change trained accuracies; pin the Haswell kernels, which run on
        // every AVX2 CPU — unless the environment chose a core type, which is always respected.
        if environment["OPENBLAS_CORETYPE"] == nil, Self.cpuHasAVX2FMA { environment["OPENBLAS_CORETYPE"] = "Haswell" }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err

        let start = Date()
        try process.run()
        let deadline = start.addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        var timedOut = false
        if process.isRunning {
            timedOut = true
            process.terminate()
            let grace = Date().addingTimeInterval(5)
            while process.isRunning && Date() < grace { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, timedOut: timedOut,
                       stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
                       seconds: Date().timeIntervalSince(start))
    }

    /// Checks every notebook of the selection; one failure per notebook that does not pass.
    /// `threads` runs them under FLNB_THREADS=threads: a notebook's numbers must not depend on
    /// the thread count it is replayed with.
    func checkAll(long: Bool, threads: Int? = nil, isa: String? = nil, only: Set<String>? = nil) throws {
        guard let root = Self.packageRoot else {
            return XCTFail("cannot find the package root (a folder with Package.swift) above \(#filePath)")
        }
        let notebooks = Self.notebooks(root: root, long: long).filter { only?.contains($0) ?? true }
        if long && notebooks.isEmpty { throw XCTSkip("no notebooks under notebooks/long/") }
        XCTAssertFalse(notebooks.isEmpty, "no .flnb files under \(root.path)/notebooks")
        let binary: String
        switch Self.binary(root: root) {
        case .success(let path): binary = path
        case .failure(let missing): return XCTFail(missing.message)
        }
        for notebook in notebooks {
            let outcome = try Self.check(notebook, binary: binary, root: root, timeout: Self.timeout, threads: threads, isa: isa)
            let how = (threads.map { "FLNB_THREADS=\($0) " } ?? "") + (isa.map { "FLNB_ISA=\($0) " } ?? "")
            print("notebook \(notebook)\(threads.map { " (\($0) threads)" } ?? ""): exit \(outcome.status) in \(String(format: "%.1f", outcome.seconds)) s")
            if outcome.timedOut {
                XCTFail("""
                    \(how)\(notebook) did not finish within \(Self.seconds(Self.timeout)) s (killed; set FLNB_NOTEBOOK_TIMEOUT to allow more)
                    output so far:
                    \(outcome.stdout)\(outcome.stderr)
                    """)
            } else if outcome.status != 0 {
                XCTFail("""
                    `\(how)\(binary) run --check \(notebook)` (in \(root.path)) exited with status \(outcome.status):
                    \(outcome.stdout)\(outcome.stderr.isEmpty ? "" : "\nstandard error:\n" + outcome.stderr)
                    To accept new outputs after an intended change: flnb run --update \(notebook)
                    """)
            }
        }
    }

    /// The notebooks run in CI: everything under notebooks/ except notebooks/long/.
    func testNotebooksReplayWithTheirRecordedOutputs() throws {
        try checkAll(long: false)
    }

    /// The same notebooks replayed on one thread and on three (the outputs were recorded on the
    /// default count): the same seed gives the same numbers whatever the thread count.
    func testNotebooksReplayOnOneThread() throws {
        try checkAll(long: false, threads: 1)
    }

    func testNotebooksReplayOnThreeThreads() throws {
        try checkAll(long: false, threads: 3)
    }

    /// The notebooks whose numbers the GEMM's rounding reaches (recorded on the default path),
    /// replayed on flnb's other GEMM tiling: with the AVX2 kernels on an AVX-512 host, and
    /// elsewhere with the AVX-512 path's 12×32 tiling in AVX2 instructions. All paths give
    /// the same bits, so a notebook recorded on one kind of host checks on the other.
    func testNotebooksReplayOnTheOtherGEMMPath() throws {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = Set((info.split(separator: "\n").first { $0.hasPrefix("flags") } ?? "").split(separator: " ").map(String.init))
        guard flags.contains("avx2") && flags.contains("fma") else {
            throw XCTSkip("this CPU has no AVX2 + FMA: only OpenBLAS runs here")
        }
        let isa = flags.contains("avx512f") ? "avx2" : "avx2-wide"
        try checkAll(long: false, isa: isa, only: ["notebooks/lucir.flnb", "notebooks/results/seq-digits.flnb",
                                                    "notebooks/results/seq-mnist.flnb", "notebooks/xder.flnb"])
    }

    /// The long notebooks, behind FLNB_LONG_TESTS=1.
    func testLongNotebooksReplayWithTheirRecordedOutputs() throws {
        guard Self.longTestsEnabled else { throw XCTSkip("set FLNB_LONG_TESTS=1 to run the notebooks under notebooks/long/") }
        try checkAll(long: true)
    }
}
