import Foundation
import FLTensor
import FLScript

/// `flnb sweep --slurm DIR`: a Slurm job array whose task i runs combination i with
/// `flnb sweep … --slurm DIR --index i` (the combination is recomputed from the index, never
/// stored in shell), writing `DIR/results/i.jsonl`; `--submit` submits and waits for it,
/// `--collect DIR` turns the results into the table.
///
/// DIR holds `sweep.sbatch`, `grid.json` (the parameters and every combination), `logs/`
/// (Slurm's output of each task), `results/` (`i.jsonl`: the task's rows, already merged with
/// its parameters; `i.error.json`: why it failed) and `work/` (scratch of running tasks).
enum SlurmSweep {
    struct Layout {
        let directory: URL
        var script: URL { directory.appendingPathComponent("sweep.sbatch") }
        var grid: URL { directory.appendingPathComponent("grid.json") }
        var logs: URL { directory.appendingPathComponent("logs") }
        var results: URL { directory.appendingPathComponent("results") }
        var work: URL { directory.appendingPathComponent("work") }
        func rows(_ i: Int) -> URL { results.appendingPathComponent("\(i).jsonl") }
        func error(_ i: Int) -> URL { results.appendingPathComponent("\(i).error.json") }

        init(_ path: String) {
            directory = URL(fileURLWithPath: path).standardizedFileURL
        }
    }

    // MARK: - Writing the array

    /// The `flnb sweep` arguments each array task runs, minus `--index`.
    static func taskArguments(target: SweepTarget, grid: SweepGrid, threads: Int, directory: String) -> [String] {
        var args = ["sweep"]
        switch target {
        case .notebook(let path): args.append(path)
        case .train(let flags): args += ["--train", flags.map(shellQuote).joined(separator: " ")]
        }
        for p in grid.parameters { args += ["--param", p.name + "=" + p.values.joined(separator: ",")] }
        args += ["--threads-per-job", String(threads), "--slurm", directory]
        return args
    }

    /// The job-array script.
    static func script(layout: Layout, target: SweepTarget, grid: SweepGrid, threads: Int, throttle: Int?,
                       extra: [String], executable: String, workingDirectory: String) -> String {
        let n = grid.count
        let what: String
        switch target {
        case .notebook(let path): what = path
        case .train(let flags): what = "flnb train " + flags.map(shellQuote).joined(separator: " ")
        }
        let name: String
        switch target {
        case .notebook(let path): name = "flnb-" + ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        case .train: name = "flnb-train-sweep"
        }
        func directive(_ s: String) -> String { s.contains(" ") ? "\"\(s)\"" : s }
        let over = grid.parameters.isEmpty ? "" : " over " + grid.parameters.map { "\($0.name)=\($0.values.joined(separator: ","))" }.joined(separator: " × ")
        var lines = [
            "#!/bin/bash",
            "# Written by flnb sweep: \(n) run\(n == 1 ? "" : "s") of \(what)\(over).",
            "# Task i runs combination i of grid.json and writes results/i.jsonl.",
            "# Submit: sbatch \(shellQuote(layout.script.path))",
            "# Then:   flnb sweep --collect \(shellQuote(layout.directory.path))",
            "#SBATCH --job-name=\(directive(name))",
            "#SBATCH --array=0-\(n - 1)" + (throttle.map { "%\($0)" } ?? ""),
            "#SBATCH --ntasks=1",
            "#SBATCH --cpus-per-task=\(threads)",
            "#SBATCH --output=\(directive(layout.logs.path + "/%A_%a.out"))",
            "#SBATCH --chdir=\(directive(workingDirectory))",
        ]
        lines += extra.map { "#SBATCH \($0)" }
        let args = taskArguments(target: target, grid: grid, threads: threads, directory: layout.directory.path)
        lines.append("exec " + ([executable] + args).map(shellQuote).joined(separator: " ") + " --index \"$SLURM_ARRAY_TASK_ID\"")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `grid.json`: what was swept and every combination, in index order.
    static func gridJSON(target: SweepTarget, grid: SweepGrid, threads: Int) -> String {
        let targetJSON: OrderedJSON
        switch target {
        case .notebook(let path): targetJSON = .object([.init(key: "notebook", value: .string(path))])
        case .train(let flags): targetJSON = .object([.init(key: "train", value: .array(flags.map { .string($0) }))])
        }
        let parameters = OrderedJSON.array(grid.parameters.map { p in
            .object([.init(key: "name", value: .string(p.name)), .init(key: "values", value: .array(p.values.map { .string($0) }))])
        })
        var lines = ["{\"flnb_sweep\": 1,", " \"target\": \(targetJSON.text),", " \"parameters\": \(parameters.text),",
                     " \"threads_per_job\": \(threads),", " \"count\": \(grid.count),", " \"combinations\": ["]
        for i in 0..<grid.count {
            let c = OrderedJSON.object(grid.combination(i).map { .init(key: $0.name, value: .string($0.value)) })
            lines.append("  " + c.text + (i + 1 < grid.count ? "," : ""))
        }
        lines.append("]}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The grid described by `DIR/grid.json`.
    static func readGrid(_ layout: Layout) throws -> (grid: SweepGrid, target: SweepTarget?) {
        guard FileManager.default.fileExists(atPath: layout.grid.path) else {
            throw CommandError("\(layout.grid.path) not found: \(layout.directory.path) is not a folder written by flnb sweep --slurm",
                          status: ExitStatus.noInput)
        }
        let json: OrderedJSON
        do { json = try OrderedJSON.parse(try AtomicFile.readText(layout.grid.path)) } catch {
            throw CommandError("\(layout.grid.path) cannot be read: \(error)", status: ExitStatus.noInput)
        }
        var parameters: [SweepParameter] = []
        for p in json["parameters"]?.arrayValue ?? [] {
            guard let name = p["name"]?.stringValue, let values = p["values"]?.arrayValue?.compactMap(\.stringValue) else {
                throw CommandError("\(layout.grid.path): a parameter without name or values", status: ExitStatus.noInput)
            }
            parameters.append(SweepParameter(name: name, values: values))
        }
        var target: SweepTarget? = nil
        if let nb = json["target"]?["notebook"]?.stringValue { target = .notebook(nb) }
        if let flags = json["target"]?["train"]?.arrayValue?.compactMap(\.stringValue) { target = .train(flags) }
        return (SweepGrid(parameters: parameters), target)
    }

    /// Writes DIR/sweep.sbatch and DIR/grid.json, creates logs/ and results/, and removes the
    /// results of an earlier sweep written to the same folder.
    static func write(layout: Layout, target: SweepTarget, grid: SweepGrid, threads: Int, throttle: Int?, extra: [String],
                      executable: String) throws {
        let fm = FileManager.default
        do {
            for folder in [layout.directory, layout.logs, layout.results] { try fm.createDirectory(at: folder, withIntermediateDirectories: true) }
            for name in (try? fm.contentsOfDirectory(atPath: layout.results.path)) ?? [] where isResultFile(name) {
                try fm.removeItem(at: layout.results.appendingPathComponent(name))
            }
            try? fm.removeItem(at: layout.work)
            try AtomicFile.write(gridJSON(target: target, grid: grid, threads: threads), to: layout.grid.path)
            try AtomicFile.write(script(layout: layout, target: target, grid: grid, threads: threads, throttle: throttle, extra: extra,
                                        executable: executable, workingDirectory: fm.currentDirectoryPath), to: layout.script.path)
            chmod(layout.script.path, 0o755)
        } catch {
            throw CommandError("cannot write the Slurm sweep to \(layout.directory.path): \(error)", status: ExitStatus.cannotWrite)
        }
    }

    /// `3.jsonl` or `3.error.json`.
    static func isResultFile(_ name: String) -> Bool {
        for suffix in [".jsonl", ".error.json"] where name.hasSuffix(suffix) {
            let stem = name.dropLast(suffix.count)
            return !stem.isEmpty && stem.allSatisfy(\.isNumber)
        }
        return false
    }

    // MARK: - One array task

    /// `flnb sweep … --slurm DIR --index i`: runs combination i in the foreground (its output
    /// goes to the task's log) and records its rows or its failure under DIR/results.
    static func runTask(index: Int, layout: Layout, grid: SweepGrid, launch: SweepLaunch) -> SweepOutcome {
        let combination = grid.combination(index)
        if let written = try? readGrid(layout), written.grid != grid {
            return SweepOutcome(index: index, combination: combination,
                                failure: "\(layout.grid.path) describes another grid than these --param values; write the Slurm sweep again",
                                errorTail: "", rows: [])
        }
        let job = SweepJob(index: index, combination: combination, launch: launch, folder: layout.work.appendingPathComponent(String(index)))
        job.start(output: .inherit)
        let finished = job.waitOrStopWhenInterrupted()
        var outcome = job.outcome()
        if !finished { outcome.failure = "interrupted by signal \(SweepInterrupt.signal) (scancel, or the time limit)" }
        if let data = FileManager.default.contents(atPath: job.stderrURL.path), !data.isEmpty { FileHandle.standardError.write(data) }
        do {
            try FileManager.default.createDirectory(at: layout.results, withIntermediateDirectories: true)
            if outcome.succeeded {
                try? FileManager.default.removeItem(at: layout.error(index))
                try AtomicFile.write(outcome.rows.map { $0.jsonLine + "\n" }.joined(), to: layout.rows(index).path)
            } else {
                let record = OrderedJSON.object([.init(key: "index", value: .number(String(index))),
                                               .init(key: "failure", value: .string(outcome.failure ?? "")),
                                               .init(key: "stderr_tail", value: .string(outcome.errorTail))])
                try AtomicFile.write(record.text + "\n", to: layout.error(index).path)
            }
            try? FileManager.default.removeItem(at: job.folder)
            rmdir(layout.work.path)  // only when no other task is using it
        } catch {
            outcome.failure = (outcome.failure.map { $0 + "; " } ?? "") + "cannot record the result: \(error)"
        }
        return outcome
    }

    // MARK: - Collecting

    /// The outcome of every combination from DIR/results: rows, a recorded failure, or a
    /// missing result (the task did not run or was killed), with the end of its log.
    static func collect(layout: Layout, grid: SweepGrid) -> [SweepOutcome] {
        (0..<grid.count).map { i in
            let combination = grid.combination(i)
            var outcome = SweepOutcome(index: i, combination: combination, failure: nil, errorTail: "", rows: [])
            if let text = try? AtomicFile.readText(layout.rows(i).path) {
                for (n, line) in text.split(separator: "\n").enumerated() {
                    guard let members = (try? OrderedJSON.parse(String(line)))?.members else {
                        outcome.failure = "\(layout.rows(i).path) line \(n + 1) is not a JSON object"
                        outcome.rows = []
                        break
                    }
                    outcome.rows.append(SweepRow(json: members))
                }
            } else if let text = try? AtomicFile.readText(layout.error(i).path), let record = try? OrderedJSON.parse(text) {
                outcome.failure = record["failure"]?.stringValue ?? "failed"
                outcome.errorTail = record["stderr_tail"]?.stringValue ?? ""
            } else {
                outcome.failure = "no result: the task did not run, is still running, or was killed (time or memory limit)"
                let scratch = layout.work.appendingPathComponent("\(i)/stderr").path
                if FileManager.default.fileExists(atPath: scratch) {
                    outcome.errorTail = SweepJob.tail(of: scratch)
                } else if let log = newestLog(layout: layout, index: i) {
                    outcome.errorTail = "(\(log))\n" + SweepJob.tail(of: log)
                }
            }
            return outcome
        }
    }

    /// The newest `logs/JOB_i.out`.
    static func newestLog(layout: Layout, index: Int) -> String? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: layout.logs.path)) ?? []).filter { $0.hasSuffix("_\(index).out") }
        let paths = names.map { layout.logs.appendingPathComponent($0).path }
        func modified(_ p: String) -> Date { ((try? FileManager.default.attributesOfItem(atPath: p))?[.modificationDate] as? Date) ?? .distantPast }
        return paths.max { modified($0) < modified($1) }
    }

    /// How many tasks have written a result so far.
    static func finishedCount(layout: Layout) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: layout.results.path)) ?? []).filter(isResultFile).count
    }

    // MARK: - Submitting and waiting

    /// What a Slurm command printed and how it ended.
    struct ToolResult {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a Slurm client command found on PATH; killed after `timeout` seconds.
    static func tool(_ arguments: [String], timeout: TimeInterval = 120) throws -> ToolResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("flnb-slurm-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning {
            p.terminate()
            usleep(500_000)
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            throw CommandError("`\(arguments.joined(separator: " "))` did not answer within \(Int(timeout)) s")
        }
        p.waitUntilExit()
        let result = ToolResult(status: p.terminationStatus, stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                                stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
        if result.status == 127 {
            throw CommandError("\(arguments[0]) not found on PATH: is Slurm installed here (a login node of the cluster)?")
        }
        return result
    }

    /// Submits the array; returns its job id.
    static func submit(_ layout: Layout) throws -> String {
        let r = try tool(["sbatch", "--parsable", layout.script.path])
        let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard r.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw CommandError("sbatch failed (status \(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))\(r.stdout)")
        }
        return id
    }

    /// Polls `squeue -j ID -h` until the job has left the queue (every 1 s at first, up to every
    /// 10 s); throws when `timeout` seconds pass first or squeue keeps failing.
    static func wait(jobID: String, timeout: TimeInterval, layout: Layout, total: Int, progress: ProgressLine) throws {
        let start = Date()
        let deadline = start.addingTimeInterval(timeout)
        var interval: TimeInterval = 1
        var errors = 0
        while true {
            let r = try tool(["squeue", "-j", jobID, "-h", "-o", "%i %t"], timeout: min(120, max(5, deadline.timeIntervalSinceNow)))
            if r.status == 0 {
                errors = 0
                if r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { break }
            } else if r.stderr.contains("Invalid job id") {
                break  // finished and already purged from the controller's memory
            } else {
                errors += 1
                if errors >= 5 { throw CommandError("squeue -j \(jobID) keeps failing: \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))") }
            }
            let done = finishedCount(layout: layout)
            progress.update(title: "slurm job \(jobID)", done: done, total: total, fields: ["waited": ProgressLine.formatDuration(Date().timeIntervalSince(start))])
            let left = deadline.timeIntervalSinceNow
            if SweepInterrupt.signal != 0 {
                progress.finish()
                throw CommandError("interrupted; Slurm job \(jobID) keeps running: collect its results later with "
                              + "flnb sweep --collect \(shellQuote(layout.directory.path)), or cancel it with scancel \(jobID)",
                              status: SweepInterrupt.exitStatus)
            }
            if left <= 0 {
                progress.finish()
                throw CommandError("Slurm job \(jobID) is still queued or running after \(Int(timeout)) s (--timeout); it keeps running: "
                              + "collect its results later with flnb sweep --collect \(shellQuote(layout.directory.path)), or cancel it with scancel \(jobID)")
            }
            usleep(UInt32(min(interval, left) * 1_000_000))
            interval = min(interval * 1.5, 10)
        }
        progress.finish()
    }
}
