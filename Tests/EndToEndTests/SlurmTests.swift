import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `flnb sweep --slurm DIR --submit` against a real single-node Slurm started on localhost by
/// `scripts/slurm-local.sh` (SLURM.md): the collected table equals the local sweep's.
///
/// Skipped, with the reason, when Slurm is not installed or cannot be started here. Every wait
/// has a timeout; tearDown stops the daemons and checks that none is left.
final class SlurmTests: XCTestCase {
    var folder: URL!
    var slurmDirectory: URL?
    var daemonPIDs: [Int32] = []

    /// Why Slurm could not be started, once it has failed (the other tests then skip at once).
    nonisolated(unsafe) static var startFailure: String?

    static let install = "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge"

    /// The Slurm programs this test needs that are not installed.
    static func missingPrograms() -> [String] {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        return ["sbatch", "squeue", "scontrol", "sinfo", "slurmctld", "slurmd"].filter { tool in
            !path.contains { FileManager.default.isExecutableFile(atPath: $0 + "/" + tool) }
        }
    }

    var script: String { NotebookCheckTests.packageRoot!.appendingPathComponent("scripts/slurm-local.sh").path }
    var environment: [String: String] { ["SLURM_CONF": slurmDirectory!.appendingPathComponent("slurm.conf").path] }

    func slurmLocal(_ command: String, timeout: TimeInterval = 90) throws -> SweepTestProcess.Result {
        try SweepTestProcess.run("/bin/bash", [script, command, slurmDirectory!.path], in: folder, timeout: timeout)
    }

    override func setUpWithError() throws {
        guard NotebookCheckTests.packageRoot != nil else { return XCTFail("cannot find the package root above \(#filePath)") }
        let missing = Self.missingPrograms()
        guard missing.isEmpty else {
            throw XCTSkip("Slurm is not installed (no \(missing.joined(separator: ", "))); to run this test install it with: \(Self.install)")
        }
        if let failure = Self.startFailure { throw XCTSkip(failure) }
        folder = try FlnbBinary.temporaryFolder()
        slurmDirectory = folder.appendingPathComponent("slurm")
        try SweepTestProcess.notebook.write(to: folder.appendingPathComponent("nb.flnb"), atomically: true, encoding: .utf8)
        let started = try slurmLocal("start")
        guard started.status == 0 else {
            _ = try? slurmLocal("stop", timeout: 60)
            try? FileManager.default.removeItem(at: folder)
            slurmDirectory = nil
            Self.startFailure = "could not start a private Slurm here (scripts/slurm-local.sh start exited \(started.status)):\n\(started.stderr)"
            throw XCTSkip(Self.startFailure!)
        }
        for name in ["slurmctld", "slurmd"] {
            if let text = try? String(contentsOf: slurmDirectory!.appendingPathComponent("\(name).pid"), encoding: .utf8),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) { daemonPIDs.append(pid) }
        }
        XCTAssertEqual(daemonPIDs.count, 2, "pid files of slurmctld and slurmd")
    }

    override func tearDownWithError() throws {
        defer { if let folder { try? FileManager.default.removeItem(at: folder) } }
        guard slurmDirectory != nil else { return }
        let stopped = try slurmLocal("stop", timeout: 60)
        XCTAssertEqual(stopped.status, 0, stopped.all)
        for pid in daemonPIDs { XCTAssertFalse(Self.alive(pid), "Slurm daemon \(pid) is still running after stop") }
        let again = try slurmLocal("stop", timeout: 30)
        XCTAssertEqual(again.status, 0, "stop is idempotent: \(again.all)")
    }

    /// Running and not a zombie (a stopped daemon may linger as a zombie here).
    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    func sweep(_ arguments: [String], timeout: TimeInterval = 180) throws -> SweepTestProcess.Result {
        try SweepTestProcess.flnb(["sweep"] + arguments, in: folder, environment: environment, timeout: timeout)
    }

    func testJobArrayOnSlurmCollectsTheSameTableAsALocalSweep() throws {
        let grid = ["nb.flnb", "--param", "a=1,2", "--param", "b=x,y", "--jobs", "2"]
        let local = try sweep(grid)
        XCTAssertEqual(local.status, 0, local.all)
        XCTAssertEqual(local.stdout, SweepTestProcess.expectedCSV)
        let t0 = Date()
        let submitted = try sweep(grid + ["--slurm", "sw", "--submit", "--timeout", "120"])
        print("flnb sweep --slurm sw --submit: exit \(submitted.status) in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s\n"
              + "stderr:\n\(submitted.stderr)stdout:\n\(submitted.stdout)")
        XCTAssertEqual(submitted.status, 0, submitted.all)
        XCTAssertTrue(submitted.stderr.contains("submitted Slurm job "), submitted.all)
        XCTAssertEqual(submitted.stdout, local.stdout)
        let sw = folder.appendingPathComponent("sw")
        XCTAssertTrue(try String(contentsOf: sw.appendingPathComponent("sweep.sbatch"), encoding: .utf8).contains("#SBATCH --array=0-3%2"))
        let logs = try FileManager.default.contentsOfDirectory(atPath: sw.appendingPathComponent("logs").path)
        XCTAssertEqual(logs.count, 4, "\(logs)")
        let results = try FileManager.default.contentsOfDirectory(atPath: sw.appendingPathComponent("results").path).sorted()
        XCTAssertEqual(results, ["0.jsonl", "1.jsonl", "2.jsonl", "3.jsonl"])
        // Collecting again later gives the same table.
        let collected = try sweep(["--collect", "sw"])
        XCTAssertEqual(collected.status, 0, collected.all)
        XCTAssertEqual(collected.stdout, local.stdout)
    }

    func testAFailedArrayTaskIsReportedAndTheOthersCollected() throws {
        let r = try sweep(["nb.flnb", "--param", "a=1,oops", "--slurm", "sw", "--submit", "--timeout", "120"])
        XCTAssertEqual(r.status, 70, r.all)
        XCTAssertEqual(r.stdout, "a,double,tag\n1,2,x!\n", r.all)
        XCTAssertTrue(r.stderr.contains("run 1 of 2 (a=oops) failed: exit status 65"), r.all)
        XCTAssertTrue(r.stderr.contains("parameter a = 'oops' is not a number"), r.all)
    }

    func testWaitingGivesUpAfterTheTimeout() throws {
        // The array cannot start for ten minutes; waiting 2 s gives up and says how to go on.
        let start = Date()
        let r = try sweep(["nb.flnb", "--param", "a=1", "--slurm", "sw", "--sbatch=--begin=now+600", "--submit", "--timeout", "2"], timeout: 60)
        XCTAssertEqual(r.status, 70, r.all)
        XCTAssertTrue(r.stderr.contains("is still queued or running after 2 s"), r.all)
        XCTAssertTrue(r.stderr.contains("flnb sweep --collect"), r.all)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
    }
}
