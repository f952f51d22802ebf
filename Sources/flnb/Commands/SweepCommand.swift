import Foundation
import FLTensor

/// `flnb sweep`: runs a notebook (or `flnb train`) once per combination of parameter values,
/// locally with bounded concurrency or as a Slurm job array, and collects the rows every run
/// reports into one table (DESIGN.md §10).
///
/// - Each run is a child process of the same binary: `flnb run NOTEBOOK` with
///   `FLNB_PARAM_<name>` (read by `param(name, default)`), `FLNB_REPORT` (appended to by
///   `report(dict)`), `FLNB_THREADS` and `FLNB_SWEEP_INDEX` in its environment; or
///   `flnb train FLAGS --name value … --results SCRATCH --threads T`, whose metrics JSON gives
///   the row.
/// - Rows are merged with the run's parameters and ordered by combination (the first --param
///   varying slowest), then by report order: the table is the same however many runs go at once.
/// - A failed run is reported with its exit status and the end of its standard error; the table
///   still holds the other runs' rows and the exit status is 70.
enum SweepCommand: Subcommand {
    static let name = "sweep"
    static let usage = ["NOTEBOOK --param NAME=V1,V2,… [--param NAME=…] [options]", "--train \"FLAGS\" --param NAME=V1,V2,… [--param NAME=…] [options]",
                        "--collect DIR [--format csv|md|json] [--out FILE]"]
    static let summary = "run a notebook (or --train \"FLAGS\") over a parameter grid; one table of results"
    static let about = """
    Runs a notebook once per combination of the parameter values (the cartesian product, the
    first --param varying slowest), each as its own `flnb run` process, and collects the rows
    the runs report into one table. The notebook reads a parameter with param("NAME", default)
    and records a row with report({...}); each row is prefixed with the run's parameters.
    With --train, each combination adds `--NAME VALUE` to the `flnb train` FLAGS, and the row
    holds the run's final metrics (class_il_final_avg_acc, task_il_final_avg_acc,
    class_il_forgetting, class_il_bwt, … for class-IL and task-IL).
    """
    static var options: [Option] { SweepOptions.options }
    static let details = """
    Each run gets its parameters as FLNB_PARAM_<NAME>, its combination number as FLNB_SWEEP_INDEX.
    Progress (runs done, ETA) is shown on standard error when it is a terminal.

    Examples:
      flnb sweep notebooks/sweeps/fl-alpha.flnb --param alpha_p=0.01,0.1,1 --param seed=1,2 --format md
      flnb sweep --train "--run flashback --model lwf_mc --dataset seq-digits" --param seed=1,2,3 --param alpha_p=0.01,0.1
      flnb sweep nb.flnb --param seed=1,2,3 --jobs 20 --threads-per-job 4 --slurm sweeps/s1 --submit --out s1.csv

    Exit status: 0 ok, 64 usage error, 66 --collect finds no grid.json, 70 a run failed (the table
    holds the others) or Slurm failed, 73 the table or the Slurm files cannot be written,
    130/143 interrupted (Ctrl-C/SIGTERM: the runs are stopped, no table is written).
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try SweepOptions.parse(arguments)
        if let dir = options.collectDirectory { return try collect(SlurmSweep.Layout(dir), options: options) }

        // Check the target before anything runs.
        let target: SweepTarget
        switch options.target! {
        case .notebook(let path):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CommandError.usage("notebook '\(path)' not found") }
            guard !isDirectory.boolValue else { throw CommandError.usage("'\(path)' is a folder, not a notebook") }
            guard FileManager.default.isReadableFile(atPath: path) else { throw CommandError.usage("notebook '\(path)' cannot be read") }
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            target = .notebook(absolute)
            if let text = try? AtomicFile.readText(path) {
                for p in options.parameters where !text.contains("\"\(p.name)\"") {
                    Console.error("flnb sweep: note: \(path) never names \"\(p.name)\" (param(\"\(p.name)\", default)); every run gets the same default\n")
                }
            }
        case .train(let flags):
            for forbidden in ["results", "save-notebook"] where flags.contains(where: { $0 == "--" + forbidden || $0.hasPrefix("--\(forbidden)=") }) {
                throw CommandError.usage("--train must not set --\(forbidden): each run of the sweep writes its own")
            }
            for p in options.parameters where flags.contains(where: { $0 == "--" + p.name || $0.hasPrefix("--\(p.name)=") }) {
                throw CommandError.usage("--\(p.name) is both in --train and swept by --param \(p.name)")
            }
            let grid = options.grid
            for i in 0..<grid.count {
                let extra = grid.combination(i).flatMap { ["--" + $0.name, $0.value] }
                do { _ = try TrainCommand.parse(flags + extra) } catch let e as CommandError {
                    throw CommandError.usage("--train: \(e.message)" + (grid.parameters.isEmpty ? "" : " (combination \(i): \(SweepGrid.describe(grid.combination(i))))"))
                }
            }
            target = .train(flags)
        }
        let grid = options.grid
        let launch = SweepLaunch(target: target, threads: options.effectiveThreads, executable: SweepLaunch.currentExecutable)

        if options.dryRun { return dryRun(grid: grid, launch: launch, options: options) }
        if let dir = options.slurmDirectory {
            let layout = SlurmSweep.Layout(dir)
            SweepInterrupt.install()
            if let i = options.index {
                let outcome = SlurmSweep.runTask(index: i, layout: layout, grid: grid, launch: launch)
                if let failure = outcome.failure { throw CommandError("run \(i) (\(SweepGrid.describe(outcome.combination))) failed: \(failure)") }
                Console.error("flnb sweep: run \(i) (\(SweepGrid.describe(outcome.combination))): \(outcome.rows.count) row\(outcome.rows.count == 1 ? "" : "s") in \(layout.rows(i).path)\n")
                return ExitStatus.ok
            }
            return try slurm(layout: layout, grid: grid, target: target, launch: launch, options: options)
        }
        if let i = options.index {
            // One combination in the foreground: its output on standard error, the table on standard output.
            let scratch = scratchFolder()
            defer { try? FileManager.default.removeItem(at: scratch) }
            let job = SweepJob(index: i, combination: grid.combination(i), launch: launch, folder: scratch.appendingPathComponent(String(i)))
            SweepInterrupt.install()
            job.start(output: .standardError)
            guard job.waitOrStopWhenInterrupted() else { return SweepInterrupt.exitStatus }
            let outcome = job.outcome()
            if let data = FileManager.default.contents(atPath: job.stderrURL.path), !data.isEmpty, outcome.succeeded { FileHandle.standardError.write(data) }
            return try finish([outcome], grid: grid, options: options, reportedFailures: false)
        }

        let scratch = scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let total = grid.count
        SweepInterrupt.install()
        let outcomes = SweepLocalRun.run(indices: Array(0..<total), grid: grid, launch: launch, jobs: options.effectiveJobs,
                                         scratch: scratch, progress: ProgressLine()) { outcome in
            if !outcome.succeeded { Console.error(failureText(outcome, total: total)) }
        }
        if SweepInterrupt.signal != 0 {
            Console.error("flnb sweep: interrupted; \(outcomes.count) of \(total) runs had finished (no table written)\n")
            return SweepInterrupt.exitStatus
        }
        return try finish(outcomes, grid: grid, options: options, reportedFailures: true)
    }

    // MARK: - Modes

    static func dryRun(grid: SweepGrid, launch: SweepLaunch, options: SweepOptions) -> Int32 {
        let n = grid.count
        let shape = grid.parameters.isEmpty ? "" : " (" + grid.parameters.map { "\($0.values.count) \($0.name)" }.joined(separator: " × ") + ")"
        var text: String
        if let dir = options.slurmDirectory {
            text = "\(n) run\(n == 1 ? "" : "s")\(shape) as a Slurm array in \(dir) (--array=0-\(n - 1)\(options.jobs.map { "%\($0)" } ?? ""), "
                + "--cpus-per-task=\(options.effectiveThreads)); nothing written:\n"
        } else {
            text = "\(n) run\(n == 1 ? "" : "s")\(shape), \(min(n, options.effectiveJobs)) at a time, \(options.effectiveThreads) thread\(options.effectiveThreads == 1 ? "" : "s") each; nothing run:\n"
        }
        let width = String(max(0, n - 1)).count
        for i in 0..<n {
            let c = grid.combination(i)
            let number = String(repeating: " ", count: width - String(i).count) + String(i)
            text += "  \(number)  \(SweepGrid.describe(c))\n" + String(repeating: " ", count: width + 4) + launch.displayLine(combination: c) + "\n"
        }
        Console.out(text)
        return ExitStatus.ok
    }

    static func slurm(layout: SlurmSweep.Layout, grid: SweepGrid, target: SweepTarget, launch: SweepLaunch, options: SweepOptions) throws -> Int32 {
        try SlurmSweep.write(layout: layout, target: target, grid: grid, threads: options.effectiveThreads, throttle: options.jobs,
                             extra: options.sbatchOptions, executable: launch.executable)
        let n = grid.count
        guard options.submit else {
            Console.out("""
                wrote \(layout.script.path) (an array of \(n) task\(n == 1 ? "" : "s")) and \(layout.grid.path)
                submit:  sbatch \(shellQuote(layout.script.path))
                collect: flnb sweep --collect \(shellQuote(layout.directory.path))   (once the array has finished)

                """)
            return ExitStatus.ok
        }
        let timeout = options.timeout ?? 86_400
        let id = try SlurmSweep.submit(layout)
        Console.error("flnb sweep: submitted Slurm job \(id) (\(n) task\(n == 1 ? "" : "s")\(options.jobs.map { ", at most \($0) at a time" } ?? "")); "
                      + "waiting up to \(ProgressLine.formatDuration(timeout))\n")
        try SlurmSweep.wait(jobID: id, timeout: timeout, layout: layout, total: n, progress: ProgressLine())
        return try finish(SlurmSweep.collect(layout: layout, grid: grid), grid: grid, options: options, reportedFailures: false)
    }

    static func collect(_ layout: SlurmSweep.Layout, options: SweepOptions) throws -> Int32 {
        let grid = try SlurmSweep.readGrid(layout).grid
        return try finish(SlurmSweep.collect(layout: layout, grid: grid), grid: grid, options: options, reportedFailures: false)
    }

    // MARK: - The table

    /// Prints the failures (unless already printed), writes the table and returns the status.
    static func finish(_ outcomes: [SweepOutcome], grid: SweepGrid, options: SweepOptions, reportedFailures: Bool) throws -> Int32 {
        let total = grid.count
        let failed = outcomes.filter { !$0.succeeded }
        if !reportedFailures { for o in failed { Console.error(failureText(o, total: total)) } }
        if case .notebook? = options.target {
            for o in outcomes where o.succeeded && o.rows.isEmpty {
                Console.error("flnb sweep: note: run \(o.index) (\(SweepGrid.describe(o.combination))) reported no rows (does the notebook call report({…})?)\n")
            }
        }
        let rows = outcomes.filter(\.succeeded).flatMap(\.rows)
        let table = SweepTable(parameterNames: grid.names, rows: rows)
        let text = table.rendered(as: options.effectiveFormat)
        if let out = options.out {
            do { try AtomicFile.write(text, to: out) } catch { throw CommandError("\(error)", status: ExitStatus.cannotWrite) }
            Console.error("flnb sweep: wrote \(out) (\(rows.count) row\(rows.count == 1 ? "" : "s") from \(outcomes.count - failed.count) run\(outcomes.count - failed.count == 1 ? "" : "s"))\n")
        } else {
            Console.out(text)
        }
        guard failed.isEmpty else {
            let which = failed.prefix(10).map { String($0.index) }.joined(separator: ", ") + (failed.count > 10 ? ", …" : "")
            Console.error("flnb sweep: \(failed.count) of \(outcomes.count) run\(outcomes.count == 1 ? "" : "s") failed (\(which)); "
                          + "the table has the rows of the other \(outcomes.count - failed.count)\n")
            return ExitStatus.runtimeError
        }
        return ExitStatus.ok
    }

    /// `flnb sweep: run 3 of 4 (a=2 b=y) failed: exit status 65` and the end of its standard error.
    static func failureText(_ o: SweepOutcome, total: Int) -> String {
        var text = "flnb sweep: run \(o.index) of \(total) (\(SweepGrid.describe(o.combination))) failed: \(o.failure ?? "")\n"
        if !o.errorTail.isEmpty { text += o.errorTail.split(separator: "\n", omittingEmptySubsequences: false).map { "  | " + $0 }.joined(separator: "\n") + "\n" }
        return text
    }

    /// A fresh private folder for the runs' scratch files.
    static func scratchFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flnb-sweep-\(getpid())-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
