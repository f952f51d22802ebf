import XCTest
import Foundation
@testable import flnb
import FLCore
import FLData

/// `flnb train`: the reference implementation's flags, their defaults and errors, and runs on
/// seq-digits whose metrics equal those of the notebook each run saves, replayed.
final class TrainCommandTests: XCTestCase {
    func parse(_ s: String) throws -> [String: String] { try TrainCommand.parse(s.split(separator: " ").map(String.init)) }

    func testEveryFlagParsesWithItsNameAndKind() throws {
        // One value per flag kind; method flags checked against a method they apply to.
        for flag in TrainCommand.allFlags {
            let method = flag.methods?.sorted().first ?? "lwf_mc"
            var args = ["--model", method, "--dataset", "seq-digits"]
            if flag.flashbackOnly { args += ["--run", "flashback"] }
            if ["model", "dataset", "run"].contains(flag.name) { continue }
            let value: String
            switch flag.kind {
            case .int where ["optim_nesterov", "validation", "debug_mode"].contains(flag.name): value = "0"   // only 0 is supported
            case .number where flag.name.hasSuffix("_gamma"): value = "0.1"   // the three must agree
            case .text where flag.name == "distributed": value = "no"
            case .int: value = "3"
            case .number: value = "0.5"
            case .list: value = "4,6"
            case .text, .bool: value = flag.name == "backbone" ? "mlp" : "x"
            }
            let v = try TrainCommand.parse(args + ["--\(flag.name)", value])
            XCTAssertEqual(v[flag.name], value, flag.name)
        }
        // --name=value and list values as separate words.
        let v = try TrainCommand.parse(["--model=fl_lwf_mc", "--dataset", "seq-digits", "--sch_ms", "42", "54", "--run", "flashback", "--alpha_p=0.1"])
        XCTAssertEqual(v["sch_ms"], "42,54")
        XCTAssertEqual(v["alpha_p"], "0.1")
        XCTAssertEqual(StrategyRegistry.canonical(v["model"]!), "lwf_mc")
    }

    func testUsageErrorsAreClearAndHappenBeforeTraining() throws {
        func message(_ s: String) -> String {
            do { _ = try parse(s); return "" } catch let e as CommandError { return e.message } catch { return "\(error)" }
        }
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --lamda_base 5").contains("--lamda_base does not apply to --model lwf_mc"))
        // Flashback's flags on an original run are accepted (the reference's scripts pass
        // --epoch_fl 0 --schf 0 there) and reported as ignored.
        XCTAssertEqual(TrainCommand.ignoredNote(try parse("--model lwf_mc --dataset seq-digits --alpha_p 0.1 --schf 0")),
                       "flnb train: ignored for --run original: --alpha_p --schf")
        XCTAssertNil(TrainCommand.ignoredNote(try parse("--model lwf_mc --dataset seq-digits --run flashback --alpha_p 0.1")))
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --optim_nesterov 1").contains("--optim_nesterov 1 is not supported"))
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --validation 1").contains("--validation 1 is not supported"))
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --load_best_args").contains("--load_best_args"))
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --sch_gamma 0.2").contains("flnb takes one MultiStepLR factor"))
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --distributed yes").contains("--distributed is no, dp or ddp"))
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --lrr 0.1").contains("unknown option '--lrr'; did you mean '--lr'?"))
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --lr").contains("--lr needs a value"))
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --lr abc").contains("needs a number"))
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --batch_size 3.5").contains("needs an integer"))
        XCTAssertTrue(message("--model nope --dataset seq-digits").contains("unknown --model 'nope'"))
        XCTAssertTrue(message("--dataset seq-digits").contains("--model is required"))
        XCTAssertTrue(message("--model sgd").contains("--dataset is required"))
        XCTAssertTrue(message("--model sgd --dataset seq-digits --run both").contains("--run is original or flashback"))
        XCTAssertTrue(message("--model sgd --dataset seq-digits --lr 1 --lr 2").contains("given twice"))
        // Through the binary: exit 64 and nothing trained.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flnb-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try FlnbBinary.run(["train", "--model", "der", "--dataset", "seq-digits", "--e_lambda", "3"], in: dir)
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--e_lambda does not apply to --model der"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("results").path))
    }

    func testHelpListsEveryFlagWithDefault() {
        let h = TrainCommand.help
        for f in TrainCommand.allFlags { XCTAssertTrue(h.contains("--\(f.name) "), f.name) }
        XCTAssertTrue(h.contains("--wd_reg") && h.contains("(lwf_mc)"))
    }

    func testDefaultsFillTheNotebook() throws {
        let v = try parse("--model lucir --dataset seq-digits --run flashback")
        let text = TrainCommand.notebook(v, commandLine: "flnb train")
        XCTAssertTrue(text.contains("strategy: lucir()"), text)
        XCTAssertTrue(text.contains("flashback: flashback(alpha_p: 0.01, epochs: 1)"), text)
        XCTAssertTrue(text.contains("net = mlp(hidden: [100, 100], seed: 0)"), text)
        XCTAssertTrue(text.contains("lr: 0.1") && text.contains("batch: 32") && text.contains("seed: 0"), text)
        let c = TrainCommand.notebook(try parse("--model icarl --dataset seq-cifar10 --sch 1 --sch_ms 30,40 --buffer_size 500"), commandLine: "x")
        XCTAssertTrue(c.contains("resnet18(nf: 64") && c.contains("milestones: [30, 40]") && c.contains("icarl(buffer_size: 500)"), c)
    }

    /// Every model, original and flashback: the run completes and its metrics equal those of
    /// the notebook it saved, replayed by `flnb run --check`.
    func testEveryModelRunsAndItsSavedNotebookReplaysToTheSameMetrics() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flnb-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for model in StrategyRegistry.names {
            for run in ["original", "flashback"] {
                var args = ["train", "--run", run, "--model", model, "--dataset", "seq-digits", "--lr", "0.03",
                            "--epoch_base", "1", "--epoch_cl", "1", "--seed", "2", "--save-notebook", "\(model)-\(run).flnb"]
                if run == "flashback" { args += ["--epoch_fl", "1", "--alpha_p", "0.1"] }
                if StrategyRegistry.entries.first(where: { $0.name == model })!.usesBuffer { args += ["--buffer_size", "40"] }
                if model == "lucir" { args += ["--fitting_epochs", "1"] }
                let r = try FlnbBinary.run(args, in: dir, timeout: 120)
                XCTAssertEqual(r.status, 0, "\(model) \(run): \(r.stderr)")
                XCTAssertTrue(r.stdout.contains("after task 4:"), "\(model) \(run): \(r.stdout)")
                let json = dir.appendingPathComponent("results/seq-digits/\(model)-\(run)-s2.json")
                let metrics = try String(contentsOf: json, encoding: .utf8)
                XCTAssertTrue(metrics.contains("\"final_avg_acc\""))
                // The saved notebook replays to the same outputs (accuracy matrices and metrics).
                let check = try FlnbBinary.run(["run", "--check", "\(model)-\(run).flnb"], in: dir, timeout: 120)
                XCTAssertEqual(check.status, 0, "\(model) \(run): \(check.stdout)\(check.stderr)")
                let saved = try String(contentsOf: dir.appendingPathComponent("\(model)-\(run).flnb"), encoding: .utf8)
                let avg = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(metrics.utf8)) as? [String: Any])
                let cls = try XCTUnwrap((avg["class_il"] as? [String: Any])?["summary"] as? [String: Any])
                let faa = try XCTUnwrap(cls["final_avg_acc"] as? Double)
                XCTAssertTrue(saved.contains(String(format: "%.2f", faa)), "\(model) \(run): final accuracy \(faa) not in the notebook")
            }
        }
    }

    /// Every command line of the reference's scripts (github.com/csiro-robotics/Flashback-Learning
    /// at 26098ae, scripts/*/*.sh, $SEED = 123), its flags exactly as written there.
    static let referenceScriptLines: [(String, [String])] = [
        ("fl-ewc_on-cifar10.sh", ["--run", "original", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "mammoth online ewc", "--name", "org-oewc-cifar10_123", "--model", "fl_ewc_on", "--e_lambda", "10", "--gamma", "1", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "60", "--sch", "0", "--epoch_fl", "0", "--schf", "0", "--dataset", "seq-cifar10", "--batch_size", "128", "--lr", "0.2", "--optim_mom", "0", "--optim_wd", "0"]),
        ("fl-ewc_on-cifar10.sh", ["--run", "flashback", "--seed", "123", "--alpha_p", "0.1", "--wandb_entity", "leilaa-mahmoudi", "--note", "mammoth online ewc", "--name", "flbk-oewc-cifar10_123", "--model", "fl_ewc_on", "--e_lambda", "15", "--gamma", "1", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "5", "--sch", "0", "--epoch_fl", "55", "--schf", "0", "--dataset", "seq-cifar10", "--batch_size", "128", "--lr", "0.03", "--optim_mom", "0", "--optim_wd", "0"]),
        ("fl-ewc_on-cifar100.sh", ["--run", "original", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "mammoth online ewc", "--name", "org-oewc-cifar100_123", "--model", "fl_ewc_on", "--e_lambda", "10", "--gamma", "1", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "60", "--sch", "0", "--epoch_fl", "0", "--schf", "0", "--dataset", "seq-cifar100", "--batch_size", "128", "--lr", "0.2", "--optim_mom", "0", "--optim_wd", "0"]),
        ("fl-ewc_on-cifar100.sh", ["--run", "flashback", "--seed", "123", "--alpha_p", "0.1", "--wandb_entity", "leilaa-mahmoudi", "--note", "mammoth online ewc", "--name", "flbk-oewc-cifar100_123", "--model", "fl_ewc_on", "--e_lambda", "15", "--gamma", "1", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "5", "--sch", "0", "--epoch_fl", "55", "--schf", "0", "--dataset", "seq-cifar100", "--batch_size", "128", "--lr", "0.03", "--optim_mom", "0", "--optim_wd", "0"]),
        ("fl-icarl-cifar10.sh", ["--run", "original", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--name", "icarl-org-cifar10_123", "--model", "fl_icarl", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "60", "--sch", "0", "--epoch_fl", "0", "--schf", "0", "--dataset", "seq-cifar10", "--batch_size", "512", "--buffer_size", "2000", "--minibatch_size", "256", "--lr", "0.3", "--optim_mom", "0", "--optim_wd", "1e-5"]),
        ("fl-icarl-cifar10.sh", ["--run", "flashback", "--alpha_p", "0.01", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--name", "icarl-flbk-cifar10_123", "--model", "fl_icarl", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "10", "--sch", "0", "--epoch_fl", "60", "--schf", "0", "--dataset", "seq-cifar10", "--batch_size", "512", "--buffer_size", "2000", "--minibatch_size", "256", "--lr", "0.3", "--optim_mom", "0", "--optim_wd", "1e-5"]),
        ("fl-icarl-cifar100.sh", ["--run", "original", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--name", "icarl-org-cifar100_123", "--model", "fl_icarl", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "60", "--sch", "0", "--epoch_fl", "0", "--schf", "0", "--dataset", "seq-cifar100", "--batch_size", "32", "--buffer_size", "2000", "--lr", "0.3", "--optim_mom", "0", "--optim_wd", "1e-5"]),
        ("fl-icarl-cifar100.sh", ["--run", "flashback", "--alpha_p", "0.01", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--name", "icarl-flbk-cifar100_123", "--model", "fl_icarl", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "10", "--sch", "0", "--epoch_fl", "50", "--schf", "1", "--schf_ms", "35 45", "--dataset", "seq-cifar100", "--batch_size", "32", "--buffer_size", "2000", "--lr", "0.3", "--optim_mom", "0", "--optim_wd", "1e-5"]),
        ("fl-lucir-cifar10.sh", ["--run", "original", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--model", "fl-lucir", "--lr_finetune", "0.01", "--lamda_base", "7", "--k_mr", "2", "--fitting_epochs", "20", "--mr_margin", "0.5", "--lamda_mr", "1.", "--name", "org-lucir-cifar10-5tasks_123", "--epoch_base", "60", "--sch0", "1", "--epoch_cl", "60", "--sch", "1", "--epoch_fl", "0", "--schf", "0", "--dataset", "seq-cifar10", "--batch_size", "256", "--minibatch_size", "256", "--buffer_size", "2000", "--lr", "0.05", "--optim_mom", "0.9", "--optim_wd", "0"]),
        ("fl-lucir-cifar10.sh", ["--run", "flashback", "--alpha_p", "0.01", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--model", "fl-lucir", "--lr_finetune", "0.02", "--lamda_base", "5", "--k_mr", "2", "--fitting_epochs", "20", "--mr_margin", "0.5", "--lamda_mr", "1.5", "--name", "flbk-lucir-cifar10-5tasks_123", "--epoch_base", "60", "--sch0", "1", "--epoch_cl", "10", "--sch", "0", "--epoch_fl", "60", "--schf", "1", "--dataset", "seq-cifar10", "--batch_size", "256", "--minibatch_size", "256", "--buffer_size", "2000", "--lr", "0.05", "--optim_mom", "0.9", "--optim_wd", "0"]),
        ("fl-lucir-cifar100.sh", ["--run", "original", "--seed", "123", "--nowand", "1", "--note", "", "--name", "org-lucir-cifar100_123", "--model", "fl-lucir", "--lr_finetune", "0.01", "--lamda_base", "7", "--k_mr", "2", "--fitting_epochs", "20", "--mr_margin", "0.5", "--lamda_mr", "1.0", "--p_0", "60", "--sch0", "1", "--n_epochs", "60", "--sch", "0", "--n_epochs_rd", "0", "--schf", "0", "--dataset", "seq-cifar100", "--batch_size", "128", "--minibatch_size", "128", "--buffer_size", "2000", "--lr", "0.03", "--optim_mom", "0.9", "--optim_wd", "0"]),
        ("fl-lucir-cifar100.sh", ["--run", "flashback", "--alpha_p", "0.08", "--seed", "123", "--nowand", "1", "--note", "", "--name", "flbk-lucir-cifar100_123", "--model", "fl-lucir", "--lr_finetune", "0.01", "--lamda_base", "6", "--k_mr", "2", "--fitting_epochs", "20", "--mr_margin", "0.5", "--lamda_mr", "1.5", "--p_0", "60", "--sch0", "1", "--n_epochs", "10", "--sch", "0", "--n_epochs_rd", "50", "--schf", "1", "--schf_ms", "35 45", "--dataset", "seq-cifar100", "--batch_size", "128", "--minibatch_size", "128", "--buffer_size", "2000", "--lr", "0.03", "--optim_mom", "0.9", "--optim_wd", "0"]),
        ("fl-lwf_mc-cifar10.sh", ["--run", "original", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--name", "lwf-org-cifar10_123", "--model", "lwf_mc", "--wd_reg", "5e-5", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "60", "--sch", "0", "--epoch_fl", "0", "--schf", "0", "--dataset", "seq-cifar10", "--batch_size", "32", "--lr", "0.3", "--optim_mom", "0", "--optim_wd", "0"]),
        ("fl-lwf_mc-cifar10.sh", ["--run", "flashback", "--alpha_p", "0.01", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--name", "lwf-flbk-cifar10_123", "--model", "lwf_mc", "--wd_reg", "5e-5", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "10", "--sch", "0", "--epoch_fl", "50", "--schf", "0", "--dataset", "seq-cifar10", "--batch_size", "32", "--lr", "0.3", "--optim_mom", "0", "--optim_wd", "0"]),
        ("fl-lwf_mc-cifar100.sh", ["--run", "original", "--seed", "123", "--nowand", "1", "--note", "", "--name", "lwf-org-cifar100_123", "--model", "fl-lwf_mc", "--wd_reg", "2e-5", "--p_0", "60", "--sch0", "0", "--n_epochs", "60", "--sch", "0", "--n_epochs_rd", "0", "--schf", "0", "--dataset", "seq-cifar100", "--batch_size", "32", "--lr", "0.3", "--optim_mom", "0", "--optim_wd", "0"]),
        ("fl-lwf_mc-cifar100.sh", ["--run", "flashback", "--alpha_p", "0.01", "--seed", "123", "--nowand", "1", "--note", "", "--name", "lwf-flk-cifar100_123", "--model", "fl-lwf_mc", "--wd_reg", "3e-5", "--p_0", "60", "--sch0", "0", "--n_epochs", "10", "--sch", "0", "--n_epochs_rd", "50", "--schf", "0", "--dataset", "seq-cifar100", "--batch_size", "32", "--lr", "0.3", "--optim_mom", "0", "--optim_wd", "0"]),
        ("fl-xder-cifar10.sh", ["--run", "original", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--name", "org-xder-cifar10_123", "--model", "fl-xder", "--alpha", "0.6", "--beta", "0.9", "--m", "0.2", "--gamma", "0.85", "--lambd", "0.05", "--eta", "0.01", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "60", "--sch", "1", "--sch_ms", "35 45", "--epoch_fl", "0", "--schf", "0", "--dataset", "seq-cifar10", "--batch_size", "32", "--minibatch_size", "32", "--simclr_batch_size", "64", "--buffer_size", "2000", "--lr", "0.03", "--optim_mom", "0", "--optim_wd", "0"]),
        ("fl-xder-cifar10.sh", ["--run", "flashback", "--alpha_p", "0.001", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--name", "flbk-xder-cifar10_123", "--model", "fl-xder", "--alpha", "0.6", "--beta", "0.9", "--m", "0.2", "--gamma", "0.85", "--lambd", "0.05", "--eta", "0.01", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "10", "--sch", "0", "--epoch_fl", "50", "--schf", "0", "--schf_ms", "35 45", "--dataset", "seq-cifar10", "--batch_size", "32", "--minibatch_size", "32", "--simclr_batch_size", "64", "--buffer_size", "2000", "--lr", "0.03", "--optim_mom", "0", "--optim_wd", "0"]),
        ("fl-xder-cifar100.sh", ["--run", "original", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--name", "org-xder-cifar10_123", "--model", "xder", "--alpha", "0.6", "--beta", "0.9", "--m", "0.2", "--gamma", "0.85", "--lambd", "0.05", "--eta", "0.01", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "60", "--sch", "0", "--sch_ms", "35 45", "--epoch_fl", "0", "--schf", "0", "--dataset", "seq-cifar100", "--batch_size", "32", "--minibatch_size", "32", "--simclr_batch_size", "64", "--buffer_size", "2000", "--lr", "0.03", "--optim_mom", "0", "--optim_wd", "0"]),
        ("fl-xder-cifar100.sh", ["--run", "flashback", "--alpha_p", "0.001", "--seed", "123", "--wandb_entity", "leilaa-mahmoudi", "--note", "", "--name", "flbk-xder-cifar10_123", "--model", "xder", "--alpha", "0.6", "--beta", "0.9", "--m", "0.2", "--gamma", "0.85", "--lambd", "0.05", "--eta", "0.01", "--epoch_base", "60", "--sch0", "0", "--epoch_cl", "10", "--sch", "0", "--epoch_fl", "50", "--schf", "0", "--schf_ms", "35 45", "--dataset", "seq-cifar100", "--batch_size", "32", "--minibatch_size", "32", "--simclr_batch_size", "64", "--buffer_size", "2000", "--lr", "0.03", "--optim_mom", "0", "--optim_wd", "0"]),
    ]

    func testEveryReferenceScriptCommandLineParses() throws {
        XCTAssertEqual(Self.referenceScriptLines.count, 20)
        for (script, args) in Self.referenceScriptLines {
            let v: [String: String]
            do { v = try TrainCommand.parse(args) } catch let e as CommandError {
                XCTFail("\(script): \(e.message)"); continue
            }
            XCTAssertEqual(v["seed"], "123", script)
            XCTAssertNotNil(v["lr"], script)
            XCTAssertTrue(StrategyRegistry.names.contains(StrategyRegistry.canonical(v["model"]!)), script)
            // The epochs arrive under flnb's names whatever the script called them.
            XCTAssertNotNil(v["epoch_base"], script); XCTAssertNotNil(v["epoch_cl"], script)
            let nb = TrainCommand.notebook(v, commandLine: "flnb train " + args.joined(separator: " "))
            XCTAssertTrue(nb.contains("epochs_base: \(v["epoch_base"]!)"), script)
            XCTAssertTrue(nb.contains("epochs: \(v["epoch_cl"]!)"), script)
            if v["run"] == "flashback" { XCTAssertTrue(nb.contains("epochs: \(v["epoch_fl"]!)"), script) }
            // wandb and the run's name are reported as having no effect.
            XCTAssertTrue(TrainCommand.ignoredNote(v)?.contains("--name") ?? false, script)
        }
        // The older names of the CIFAR-100 LUCIR script, and argparse's --note for --notes.
        let lucir100 = try TrainCommand.parse(Self.referenceScriptLines.first { $0.0 == "fl-lucir-cifar100.sh" && $0.1.contains("flashback") }!.1)
        XCTAssertEqual(lucir100["epoch_base"], "60"); XCTAssertEqual(lucir100["epoch_cl"], "10"); XCTAssertEqual(lucir100["epoch_fl"], "50")
        XCTAssertEqual(lucir100["schf_ms"], "35,45"); XCTAssertEqual(lucir100["alpha_p"], "0.08")
        XCTAssertNotNil(lucir100["notes"])
        // X-DER's milestones given as one quoted word.
        let xder = try TrainCommand.parse(Self.referenceScriptLines.first { $0.0 == "fl-xder-cifar10.sh" }!.1)
        XCTAssertEqual(TrainCommand.list(xder["sch_ms"]), [35, 45])
        XCTAssertTrue(TrainCommand.notebook(xder, commandLine: "x").contains("milestones: [35, 45]"))
        // The reference's dataset names, and every flag the reference defines.
        XCTAssertEqual(try BenchmarkSpec.named("seq-tinyimagenet").name, "seq-tinyimg")
        let names = Set(TrainCommand.allFlags.map(\.name)).union(TrainCommand.aliases.keys)
        for flag in ["dataset", "model", "lr", "optim_wd", "optim_mom", "optim_nesterov", "epoch_cl", "batch_size", "epoch_base",
                     "epoch_fl", "run", "sch", "schf", "sch0", "sch_gamma", "schf_gamma", "sch0_gamma", "sch_ms", "schf_ms", "sch0_ms",
                     "alpha_p", "name", "distributed", "seed", "notes", "non_verbose", "disable_log", "validation",
                     "ignore_other_metrics", "debug_mode", "nowand", "wandb_entity", "wandb_project", "buffer_size", "minibatch_size",
                     "alpha", "beta", "e_lambda", "eta", "fitting_epochs", "gamma", "imprint_weights", "k_mr", "lambd", "lamda_base",
                     "lamda_mr", "lr_finetune", "m", "mr_margin", "simclr_batch_size", "simclr_num_aug", "simclr_temp", "wd_reg"] {
            XCTAssertTrue(names.contains(flag), "--\(flag) of the reference is not accepted")
        }
    }
}
