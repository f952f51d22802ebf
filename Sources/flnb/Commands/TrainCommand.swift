import Foundation
import FLTensor
import FLData
import FLCore
import FLScript

/// `flnb train`: the reference implementation's command line (`python utils/main.py --run …
/// --model … --dataset …`) with the same flag names and meanings. It writes the experiment as
/// a notebook and runs that notebook, so `--save-notebook FILE` reproduces the run exactly.
enum TrainCommand: Subcommand {
    static let name = "train"
    static let usage = ["--run original|flashback --model NAME --dataset NAME [flags]"]
    static let summary = "the reference implementation's command line"

    enum Kind: String { case int = "INT", number = "NUMBER", text = "TEXT", list = "INT,INT,…", bool = "BOOL" }
    /// The flags a run cannot do without; help says "required" for these alone.
    static let requiredFlags = ["model", "dataset"]

    struct Flag {
        let name: String, kind: Kind, defaultText: String, help: String
        /// Methods the flag applies to (nil: every method).
        let methods: Set<String>?
        let flashbackOnly: Bool
        init(_ name: String, _ kind: Kind, _ def: String, _ help: String, methods: Set<String>? = nil, flashbackOnly: Bool = false) {
            self.name = name; self.kind = kind; self.defaultText = def; self.help = help; self.methods = methods; self.flashbackOnly = flashbackOnly
        }
    }

    static let general: [Flag] = [
        Flag("run", .text, "original", "original | flashback"),
        Flag("model", .text, "", "method: \(StrategyRegistry.names.joined(separator: ", ")) (fl_ prefix accepted)"),
        Flag("dataset", .text, "", "benchmark: \(BenchmarkSpec.all.map(\.name).joined(separator: ", "))"),
        Flag("backbone", .text, "auto", "mlp | cnn | resnet18 (auto: resnet18 for CIFAR/Tiny-ImageNet, mlp otherwise)"),
        Flag("nf", .int, "64", "ResNet-18 width"), Flag("hidden", .list, "100,100", "MLP hidden widths"),
        Flag("lr", .number, "0.1", "learning rate"), Flag("optim_mom", .number, "0", "SGD momentum"),
        Flag("optim_wd", .number, "0", "weight decay"), Flag("batch_size", .int, "32", "batch size"),
        Flag("minibatch_size", .int, "batch_size", "replay batch size"), Flag("seed", .int, "0", "seed of everything"),
        Flag("epoch_base", .int, "1", "epochs of task 0"), Flag("epoch_cl", .int, "1", "Phase 1 epochs of tasks ≥ 1"),
        Flag("epoch_fl", .int, "1", "Phase 2 (flashback) epochs", flashbackOnly: true),
        Flag("alpha_p", .number, "0.01", "plasticity weight α_p", flashbackOnly: true),
        Flag("sch0", .int, "0", "1: MultiStepLR (γ 0.1) in task 0"), Flag("sch", .int, "0", "1: MultiStepLR in Phase 1 of tasks ≥ 1"),
        Flag("schf", .int, "0", "1: MultiStepLR in Phase 2", flashbackOnly: true),
        Flag("sch0_ms", .list, "42,54", "milestones of task 0"), Flag("sch_ms", .list, "42,54", "milestones of Phase 1"),
        Flag("schf_ms", .list, "42,54", "milestones of Phase 2", flashbackOnly: true),
        Flag("sch0_gamma", .number, "0.1", "MultiStepLR factor of task 0"), Flag("sch_gamma", .number, "0.1", "MultiStepLR factor of Phase 1"),
        Flag("schf_gamma", .number, "0.1", "MultiStepLR factor of Phase 2 (flnb takes one factor: the three must agree)"),
        Flag("optim_nesterov", .int, "0", "1: Nesterov momentum (not supported by flnb train: an error)"),
        Flag("validation", .int, "0", "1: test on a validation split of the training set (not supported: an error)"),
        Flag("debug_mode", .int, "0", "1: a few steps per epoch (not supported: an error)"),
        Flag("carry_optimizer", .int, "0", "1: reuse the previous phase's optimizer in Phase 1 (the reference's behaviour)"),
        Flag("primary_train_mode", .int, "0", "1: query θₚ in train mode (the reference's behaviour)", flashbackOnly: true),
        Flag("c0", .int, "dataset's", "classes in task 0"), Flag("k", .int, "dataset's", "classes per later task"),
        Flag("tasks", .int, "dataset's", "number of tasks"), Flag("class_order_seed", .int, "none", "permute the class order"),
        Flag("data_root", .text, "./data", "data folder (or $FLNB_DATA)"), Flag("threads", .int, "all cores", "threads"),
        Flag("save-notebook", .text, "", "write the run as a .flnb notebook (with its outputs)"),
        Flag("results", .text, "results", "folder for the metrics JSON and CSV"),
    ]

    /// Flags of the reference's command line that change nothing here (its logging, wandb,
    /// progress bars, GPU parallelism, extra evaluations flnb always makes): accepted, and
    /// reported as ignored when given.
    static let ignored: [Flag] = [
        Flag("name", .text, "test", "wandb run name (ignored)"), Flag("notes", .text, "none", "notes of the run (ignored)"),
        Flag("wandb_entity", .text, "regaz", "wandb entity (ignored)"), Flag("wandb_project", .text, "mammoth", "wandb project (ignored)"),
        Flag("nowand", .int, "0", "1: no wandb (ignored: flnb never logs to wandb)"),
        Flag("non_verbose", .int, "0", "1: no progress bars (ignored: flnb shows progress on a terminal only)"),
        Flag("disable_log", .int, "0", "1: no CSV log (ignored: flnb always writes its metrics files)"),
        Flag("ignore_other_metrics", .int, "0", "1: skip the FWT evaluations (ignored: flnb always computes them)"),
        Flag("distributed", .text, "no", "no | dp | ddp: GPU data parallelism (ignored: flnb uses the CPU's threads)"),
    ]

    /// Spellings in the reference's scripts for flags of another name: `--note` is argparse's
    /// abbreviation of `--notes`; `--p_0`, `--n_epochs` and `--n_epochs_rd` are the epoch flags
    /// under the names of an earlier version of the reference (its CIFAR-100 LUCIR and LwF.MC
    /// scripts still use them, which its own parser at 26098ae rejects).
    static let aliases: [String: String] = ["note": "notes", "p_0": "epoch_base", "n_epochs": "epoch_cl", "n_epochs_rd": "epoch_fl"]

    /// Method flags come from the method registry: one source of truth for names and defaults.
    static var methodFlags: [Flag] {
        var byName: [String: (ParameterDoc, Set<String>)] = [:]
        for e in StrategyRegistry.entries { for p in e.parameters {
            var entry = byName[p.name] ?? (p, [])
            entry.1.insert(e.name)
            byName[p.name] = entry
        } }
        return byName.sorted { $0.key < $1.key }.map { name, v in
            Flag(name, .number, v.0.defaultValue, v.0.summary + " (\(v.1.sorted().joined(separator: ", ")))", methods: v.1)
        }
    }

    static var allFlags: [Flag] { general + methodFlags + ignored }

    /// The scanner's view of the flags: each under its name and the aliases of `aliases`.
    static var options: [Option] {
        allFlags.map { f in
            var option = Option("--" + f.name, value: f.kind.rawValue, help: f.help)
            option.spellings += aliases.filter { $0.value == f.name }.keys.sorted().map { "--" + $0 }
            return option
        }
    }

    static var help: String {
        var lines = [usageLines, "Runs an experiment with the reference implementation's flags; prints per-task accuracy and the final",
                     "metrics, writes them as JSON and CSV, and with --save-notebook the equivalent notebook.", "", "Flags (default · meaning):"]
        for f in allFlags {
            lines.append("  --\(f.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(f.defaultText.isEmpty ? (Self.requiredFlags.contains(f.name) ? "required" : "–") : f.defaultText) · \(f.help)")
        }
        lines += ["", "Example (reference CIFAR-10 LwF.MC with Flashback):",
                  "  flnb train --run flashback --model lwf_mc --dataset seq-cifar10 --lr 0.3 --batch_size 32 --wd_reg 5e-5 \\",
                  "    --epoch_base 60 --epoch_cl 10 --epoch_fl 50 --alpha_p 0.01 --sch0 1 --sch 1 --schf 1"]
        return lines.joined(separator: "\n")
    }

    /// Parses flags (`--name value` or `--name=value`, by `OptionScanner`); unknown flags,
    /// missing values and flags that do not apply to the chosen method are usage errors.
    static func parse(_ args: [String]) throws -> [String: String] {
        if args.contains(where: { $0 == "--load_best_args" || $0.hasPrefix("--load_best_args=") }) {
            throw CommandError.usage("--load_best_args (mammoth's best_args table) is not supported by flnb train: give the hyper-parameters as flags")
        }
        var values: [String: String] = [:]
        let flags = Dictionary(uniqueKeysWithValues: allFlags.map { ($0.name, $0) })
        var scanner = OptionScanner(args, options: options)
        while let (option, given) = try scanner.nextOption() {
            let name = String(option.name.dropFirst(2)), flag = flags[name]!
            var value = given!
            switch flag.kind {
            case .int: guard Int(value) != nil else { throw CommandError.usage("--\(name) needs an integer, got '\(value)'") }
            case .number: guard Double(value) != nil else { throw CommandError.usage("--\(name) needs a number, got '\(value)'") }
            case .list:
                // Lists may be given as separate words (--sch_ms 42 54) or as one ("35 45", as the reference's scripts write it).
                let items = ([value] + scanner.take { Int($0) != nil }).joined(separator: ",").split(whereSeparator: { $0 == "," || $0 == " " })
                guard items.allSatisfy({ Int($0) != nil }) else {
                    throw CommandError.usage("--\(name) needs integers separated by commas, got '\(value)'")
                }
                value = items.joined(separator: ",")
            default: break
            }
            values[name] = value
        }
        for name in Self.requiredFlags where values[name] == nil { throw CommandError.usage("--\(name) is required") }
        let model = values["model"]!
        let method = StrategyRegistry.canonical(model)
        guard StrategyRegistry.names.contains(method) else {
            throw CommandError.usage("unknown --model '\(model)'; known: \(StrategyRegistry.names.joined(separator: ", "))")
        }
        let run = values["run"] ?? "original"
        guard run == "original" || run == "flashback" else { throw CommandError.usage("--run is original or flashback, got '\(run)'") }
        for (name, _) in values {
            let f = flags[name]!
            if let m = f.methods, !m.contains(method) {
                throw CommandError.usage("--\(name) does not apply to --model \(method) (it is a flag of \(m.sorted().joined(separator: ", ")))")
            }
        }
        for name in ["optim_nesterov", "validation", "debug_mode"] where (values[name].flatMap { Int($0) } ?? 0) != 0 {
            throw CommandError.usage("--\(name) \(values[name]!) is not supported by flnb train (only 0)")
        }
        if let d = values["distributed"], !["no", "dp", "ddp"].contains(d) {
            throw CommandError.usage("--distributed is no, dp or ddp, got '\(d)'")
        }
        let gammas = Set(["sch0_gamma", "sch_gamma", "schf_gamma"].map { Double(values[$0] ?? "0.1")! })
        if gammas.count > 1 {
            throw CommandError.usage("--sch0_gamma, --sch_gamma and --schf_gamma differ (\(gammas.sorted().map { "\($0)" }.joined(separator: ", "))): flnb takes one MultiStepLR factor for every phase")
        }
        return values
    }

    /// What the user gave that has no effect here, in words for standard error (nil: nothing).
    static func ignoredNote(_ v: [String: String]) -> String? {
        var notes: [String] = []
        let given = ignored.map(\.name).filter { v[$0] != nil }
        if !given.isEmpty { notes.append("accepted, no effect here: " + given.map { "--" + $0 }.joined(separator: " ")) }
        if (v["run"] ?? "original") != "flashback" {
            let fb = general.filter { $0.flashbackOnly && v[$0.name] != nil }.map { "--" + $0.name }
            if !fb.isEmpty { notes.append("ignored for --run original: " + fb.joined(separator: " ")) }
        }
        return notes.isEmpty ? nil : "flnb train: " + notes.joined(separator: "; ")
    }

    static func list(_ s: String?) -> [Int] { (s ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).compactMap { Int($0) } }

    /// The FLScript notebook equivalent to the flags.
    static func notebook(_ v: [String: String], commandLine: String) -> String {
        let method = StrategyRegistry.canonical(v["model"]!)
        let dataset = v["dataset"]!
        let flashback = (v["run"] ?? "original") == "flashback"
        var benchArgs = ["\"\(dataset)\""]
        for (flag, arg) in [("class_order_seed", "seed"), ("c0", "c0"), ("k", "k"), ("tasks", "tasks")] {
            if let x = v[flag] { benchArgs.append("\(arg): \(x)") }
        }
        if let r = v["data_root"] { benchArgs.append("root: \"\(r)\"") }
        let isImage = dataset.contains("cifar") || dataset.contains("tinyimg")
        let backbone = v["backbone"].flatMap { $0 == "auto" ? nil : $0 } ?? (isImage ? "resnet18" : "mlp")
        let seed = v["seed"] ?? "0"
        let net: String
        switch backbone {
        case "resnet18": net = "resnet18(nf: \(v["nf"] ?? "64"), seed: \(seed))"
        case "cnn": net = "cnn(seed: \(seed))"
        default: net = "mlp(hidden: [\(list(v["hidden"] ?? "100,100").map(String.init).joined(separator: ", "))], seed: \(seed))"
        }
        let entry = StrategyRegistry.entries.first { $0.name == method }!
        let mArgs = entry.parameters.compactMap { p in v[p.name].map { "\(p.name): \($0)" } }
        var runArgs = ["strategy: \(method)(\(mArgs.joined(separator: ", ")))"]
        if flashback {
            let ms = (v["schf"] ?? "0") == "1" ? list(v["schf_ms"] ?? "42,54") : []
            var fb = "flashback: flashback(alpha_p: \(v["alpha_p"] ?? "0.01"), epochs: \(v["epoch_fl"] ?? "1")"
            if !ms.isEmpty { fb += ", milestones: [\(ms.map(String.init).joined(separator: ", "))]" }
            if (v["primary_train_mode"] ?? "0") == "1" { fb += ", primary_train_mode: true" }
            runArgs.append(fb + ")")
        }
        runArgs.append("lr: \(v["lr"] ?? "0.1")")
        if let m = v["optim_mom"] { runArgs.append("momentum: \(m)") }
        if let w = v["optim_wd"] { runArgs.append("wd: \(w)") }
        runArgs.append("batch: \(v["batch_size"] ?? "32")")
        if let mb = v["minibatch_size"] { runArgs.append("minibatch: \(mb)") }
        runArgs.append("epochs: \(v["epoch_cl"] ?? "1")")
        runArgs.append("epochs_base: \(v["epoch_base"] ?? "1")")
        let ms = (v["sch"] ?? "0") == "1" ? list(v["sch_ms"] ?? "42,54") : []
        let ms0 = (v["sch0"] ?? "0") == "1" ? list(v["sch0_ms"] ?? "42,54") : []
        runArgs.append("milestones: [\(ms.map(String.init).joined(separator: ", "))]")
        runArgs.append("milestones_base: [\(ms0.map(String.init).joined(separator: ", "))]")
        if let g = v["sch0_gamma"] ?? v["sch_gamma"] ?? v["schf_gamma"], Double(g) != 0.1 { runArgs.append("gamma: \(g)") }
        if (v["carry_optimizer"] ?? "0") == "1" { runArgs.append("carry_optimizer: true") }
        runArgs.append("seed: \(seed)")
        return """
        # flnb 1
        # %% [markdown]
        # # \(method) (\(flashback ? "flashback" : "original")) on \(dataset)
        # Written by `\(commandLine)`.
        # Replay with `flnb run --check` (same machine and thread count give the same numbers).
        # %%
        bench = benchmark(\(benchArgs.joined(separator: ", ")))
        net = \(net)
        run = experiment(bench, net, \(runArgs.joined(separator: ", ")))
        run
        # %%
        for t in 0..<bench.tasks { print(run.step("task")) }
        # %%
        run.accuracy
        # %%
        run.task_accuracy
        # %%
        run.metrics

        """
    }

    static func run(_ args: [String]) throws -> Int32 {
        let values = try parse(args)
        if let note = ignoredNote(values) { FileHandle.standardError.write(Data((note + "\n").utf8)) }
        if let t = values["threads"].flatMap(Int.init) { Parallel.threads = max(1, t) }
        let commandLine = "flnb train " + args.joined(separator: " ")
        let text = notebook(values, commandLine: commandLine)
        let context = SessionContext(mode: .notebook, progress: ProgressLine(), notebookDirectory: FileManager.default.currentDirectoryPath)
        let interp = context.freshInterpreter(makeInterpreter)
        let nb = Notebook(parsing: text)
        let runner = NotebookRunner(interpreter: interp, fileName: values["save-notebook"] ?? "<flnb train>", stopOnError: true, forwardOutput: true)
        let result = runner.run(nb)
        if let failure = result.firstError { throw CommandError("the run failed:\n" + failure.rendered()) }
        // Metrics files.
        if case .object(let o as ExperimentObject)? = interp.value(named: "run") {
            let e = o.experiment
            let method = StrategyRegistry.canonical(values["model"]!)
            let dir = (values["results"] ?? "results") + "/" + values["dataset"]!
            let base = "\(dir)/\(method)-\(values["run"] ?? "original")-s\(values["seed"] ?? "0")"
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try AtomicFile.write(e.metrics.jsonString(), to: base + ".json")
                try AtomicFile.write(e.metrics.csvString(), to: base + ".csv")
                FileHandle.standardError.write(Data("metrics: \(base).json, \(base).csv\n".utf8))
            } catch { throw CommandError("cannot write metrics: \(error)") }
        }
        if let path = values["save-notebook"] {
            do {
                try AtomicFile.write(runner.update(nb, with: result).text, to: path)
                FileHandle.standardError.write(Data("notebook: \(path) (replay: flnb run --check \(path))\n".utf8))
            } catch { throw CommandError("cannot write the notebook: \(error)") }
        }
        return ExitStatus.ok
    }
}
