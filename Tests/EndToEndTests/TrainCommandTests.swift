import XCTest
import Foundation
@testable import flnb
import FLCore

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
            do { _ = try parse(s); return "" } catch let e as TrainCommand.UsageError { return e.message } catch { return "\(error)" }
        }
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --lamda_base 5").contains("--lamda_base does not apply to --model lwf_mc"))
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --alpha_p 0.1").contains("only applies to --run flashback"))
        XCTAssertTrue(message("--model lwf_mc --dataset seq-digits --lrr 0.1").contains("unknown flag --lrr; did you mean --lr?"))
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
}
