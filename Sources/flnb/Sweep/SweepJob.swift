import Foundation
import FLTensor
import FLScript

/// How every run of a sweep is started: a child process of the same flnb binary.
struct SweepLaunch {
    var target: SweepTarget
    /// Threads of each run: `FLNB_THREADS` in its environment (and `--threads` for `flnb train`).
    var threads: Int
    /// The flnb executable (absolute).
    var executable: String

    /// The running binary, resolved, so that a Slurm script written now still finds it.
    static var currentExecutable: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    /// Arguments and extra environment of one run whose scratch files go to `folder`.
    func command(index: Int, combination: [(name: String, value: String)], folder: String) -> (arguments: [String], environment: [String: String]) {
        var environment = ["FLNB_THREADS": String(threads), "FLNB_SWEEP_INDEX": String(index)]
        switch target {
        case .notebook(let path):
            for (name, value) in combination { environment["FLNB_PARAM_" + name] = value }
            environment["FLNB_REPORT"] = folder + "/report.jsonl"
            return (["run", path], environment)
        case .train(let flags):
            var arguments = ["train"] + flags
            for (name, value) in combination { arguments += ["--" + name, value] }
            arguments += ["--results", folder + "/results"]
            if !setsThreads(flags, combination) { arguments += ["--threads", String(threads)] }
            return (arguments, environment)
        }
    }

    private func setsThreads(_ flags: [String], _ combination: [(name: String, value: String)]) -> Bool {
        flags.contains { $0 == "--threads" || $0.hasPrefix("--threads=") } || combination.contains { $0.name == "threads" }
    }

    /// The run as a shell line, for --dry-run (scratch files and threads left out).
    func displayLine(combination: [(name: String, value: String)]) -> String {
        switch target {
        case .notebook(let path):
            let env = combination.map { "FLNB_PARAM_\($0.name)=\(shellQuote($0.value))" }
            return (env + ["flnb", "run", shellQuote(path)]).joined(separator: " ")
        case .train(let flags):
            return (["flnb", "train"] + flags.map(shellQuote) + combination.flatMap { ["--" + $0.name, shellQuote($0.value)] }).joined(separator: " ")
        }
    }
}

/// How one run ended and what it reported.
struct SweepOutcome {
    var index: Int
    var combination: [(name: String, value: String)]
    /// Why the run failed ("exit status 65", "killed by signal 9", …); nil when it succeeded.
    var failure: String?
    /// The last lines of its standard error.
    var errorTail: String
    /// Its rows, merged with its parameters (empty for a failed run).
    var rows: [SweepRow]

    var succeeded: Bool { failure == nil }
}

/// One run of a sweep: a child process with its own scratch folder (report file, standard
/// output and error, `flnb train`'s results folder).
final class SweepJob {
    let index: Int
    let combination: [(name: String, value: String)]
    let launch: SweepLaunch
    let folder: URL
    private var process: Process?
    private var startProblem: String?

    /// Where the run's standard output goes.
    enum Output { case file, inherit, standardError }

    init(index: Int, combination: [(name: String, value: String)], launch: SweepLaunch, folder: URL) {
        self.index = index
        self.combination = combination
        self.launch = launch
        self.folder = folder
    }

    var stderrURL: URL { folder.appendingPathComponent("stderr") }

    /// Starts the child; a failure to start shows up in `outcome()`.
    func start(output: Output = .file) {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let (arguments, extra) = launch.command(index: index, combination: combination, folder: folder.path)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: launch.executable)
            p.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "FLNB_REPORT")
            for (k, v) in extra { environment[k] = v }
            p.environment = environment
            p.standardInput = FileHandle.nullDevice
            let stdoutURL = folder.appendingPathComponent("stdout")
            _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            switch output {
            case .file: p.standardOutput = try FileHandle(forWritingTo: stdoutURL)
            case .inherit: p.standardOutput = FileHandle.standardOutput
            case .standardError: p.standardOutput = FileHandle.standardError
            }
            p.standardError = try FileHandle(forWritingTo: stderrURL)
            try p.run()
            process = p
        } catch {
            startProblem = "could not start \(launch.executable): \(error)"
        }
    }

    var isRunning: Bool { process?.isRunning ?? false }

    func waitUntilExit() { process?.waitUntilExit() }

    /// Waits for the run to end; on SIGINT or SIGTERM (see `SweepInterrupt`) stops it first.
    /// - Returns: false when interrupted.
    func waitOrStopWhenInterrupted() -> Bool {
        while isRunning {
            if SweepInterrupt.signal != 0 { stop(); return false }
            usleep(25_000)
        }
        process?.waitUntilExit()
        return SweepInterrupt.signal == 0
    }

    /// Stops a run that is still going (SIGTERM, then SIGKILL after `grace` seconds).
    func stop(grace: TimeInterval = 3) {
        guard let p = process, p.isRunning else { return }
        p.terminate()
        let deadline = Date().addingTimeInterval(grace)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    /// How the finished run ended, and its rows.
    func outcome() -> SweepOutcome {
        var result = SweepOutcome(index: index, combination: combination, failure: nil, errorTail: SweepJob.tail(of: stderrURL.path), rows: [])
        if let startProblem { result.failure = startProblem; return result }
        guard let p = process else { result.failure = "was never started"; return result }
        p.waitUntilExit()
        if p.terminationReason == .uncaughtSignal {
            result.failure = "killed by signal \(p.terminationStatus)"
            return result
        }
        if p.terminationStatus != 0 {
            result.failure = "exit status \(p.terminationStatus)"
            return result
        }
        do {
            result.rows = try reportedRows().map { SweepRow(parameters: combination, reported: $0) }
        } catch {
            result.failure = "\(error)"
        }
        return result
    }

    struct ResultError: Error, CustomStringConvertible { var description: String }

    /// The rows the run reported: its report lines, or the summary of `flnb train`'s metrics.
    private func reportedRows() throws -> [[OrderedJSON.Member]] {
        switch launch.target {
        case .notebook:
            let path = folder.appendingPathComponent("report.jsonl").path
            guard FileManager.default.fileExists(atPath: path) else { return [] }
            let text = try AtomicFile.readText(path)
            var rows: [[OrderedJSON.Member]] = []
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                guard let members = (try? OrderedJSON.parse(String(line)))?.members else {
                    throw ResultError(description: "report line \(n + 1) is not a JSON object: \(line.prefix(200))")
                }
                rows.append(members)
            }
            return rows
        case .train:
            let results = folder.appendingPathComponent("results")
            let files = (FileManager.default.subpaths(atPath: results.path) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            guard let file = files.first else { throw ResultError(description: "flnb train wrote no metrics file under \(results.path)") }
            let json = try OrderedJSON.parse(try AtomicFile.readText(results.appendingPathComponent(file).path))
            return [SweepJob.metricsRow(json)]
        }
    }

    /// One row from the metrics JSON of `flnb train`: every summary value of every setting
    /// (`class_il_final_avg_acc`, `task_il_forgetting`, …, and extra heads such as iCaRL's).
    static func metricsRow(_ json: OrderedJSON) -> [OrderedJSON.Member] {
        var row: [OrderedJSON.Member] = []
        for setting in json.members ?? [] {
            guard let summary = setting.value["summary"]?.members else { continue }
            for m in summary where m.key != "last_task" { row.append(.init(key: setting.key + "_" + m.key, value: m.value)) }
        }
        return row
    }

    /// The last `lines` lines (at most `characters` characters) of a text file.
    static func tail(of path: String, lines: Int = 20, characters: Int = 4000) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        let text = String(decoding: data.suffix(characters * 4), as: UTF8.self)
        let kept = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1).joined(separator: "\n")
        return String(kept.suffix(characters)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// SIGINT and SIGTERM while a sweep runs: the sweep stops its runs, removes its scratch files
/// and exits with 128 + the signal, instead of dying and leaving its runs going.
enum SweepInterrupt {
    nonisolated(unsafe) static var signal: Int32 = 0

    static func install() {
        Glibc.signal(SIGINT) { SweepInterrupt.signal = $0 }
        Glibc.signal(SIGTERM) { SweepInterrupt.signal = $0 }
    }

    static var exitStatus: Int32 { 128 + signal }
}

/// Runs a sweep's combinations on this machine, at most `jobs` at once; stops early when
/// interrupted (the outcomes then cover only the runs that finished).
enum SweepLocalRun {
    /// Runs the combinations `indices` and returns their outcomes in the order of `indices`;
    /// `finished` sees each outcome as it comes (for messages), `progress` shows jobs done/total.
    static func run(indices: [Int], grid: SweepGrid, launch: SweepLaunch, jobs: Int, scratch: URL,
                    progress: ProgressLine, finished: (SweepOutcome) -> Void) -> [SweepOutcome] {
        var pending = indices[...]
        var running: [SweepJob] = []
        var outcomes: [Int: SweepOutcome] = [:]
        var failed = 0
        func show() {
            progress.update(title: "sweep", done: outcomes.count, total: indices.count,
                            fields: ["running": String(running.count), "failed": String(failed)])
        }
        func refill() {
            while running.count < jobs, let i = pending.popFirst() {
                let job = SweepJob(index: i, combination: grid.combination(i), launch: launch, folder: scratch.appendingPathComponent(String(i)))
                job.start()
                running.append(job)
            }
        }
        refill()
        show()
        while !pending.isEmpty || !running.isEmpty {
            if SweepInterrupt.signal != 0 {
                for job in running { job.stop() }
                break
            }
            var progressed = false
            running.removeAll { job in
                guard !job.isRunning else { return false }
                let outcome = job.outcome()
                outcomes[job.index] = outcome
                if !outcome.succeeded {
                    failed += 1
                    progress.clear()
                }
                finished(outcome)
                try? FileManager.default.removeItem(at: job.folder)
                progressed = true
                return true
            }
            refill()
            if progressed { show() } else { usleep(25_000) }
        }
        progress.finish()
        return indices.compactMap { outcomes[$0] }
    }
}
