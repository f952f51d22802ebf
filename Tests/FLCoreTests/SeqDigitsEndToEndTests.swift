import XCTest
@testable import FLCore
import FLData
import FLTensor

/// Every method, original and flashback, on the real Split-Digits benchmark with the MLP.
final class SeqDigitsEndToEndTests: XCTestCase {
    /// Batch 10 as in the DER paper's MNIST protocol: enough steps per task on 290 images.
    func run(_ method: String, _ options: [String: Double], flashback: Bool, lr: Float = 0.05) throws -> Experiment {
        let data = BenchmarkData(try Benchmark.named("seq-digits"))
        var cfg = ExperimentConfig()
        cfg.lr = lr; cfg.batchSize = 10; cfg.replayBatchSize = 32; cfg.seed = 1
        cfg.epochsBase = 4; cfg.epochsCL = flashback ? 2 : 4
        let net = try BackboneSpec(kind: "mlp", inputShape: data.inputShape, classes: 10, hidden: [100, 100], seed: 1).build()
        let exp = try Experiment(data: data, net: net, strategy: StrategyRegistry.make(method, options: options), config: cfg,
                                 flashback: flashback ? FlashbackConfig(alphaP: 0.1, epochs: 2) : nil)
        try exp.run()
        return exp
    }

    func testEveryMethodCompletesAndReplayBeatsFineTuning() throws {
        var finalAccuracy: [String: Double] = [:]
        for entry in StrategyRegistry.entries {
            let opts: [String: Double] = entry.usesBuffer ? ["buffer_size": 200] : [:]
            let extra: [String: Double] = entry.name == "lucir" ? ["fitting_epochs": 2] : (entry.name == "ewc_on" ? ["e_lambda": 10] : [:])
            for fb in [false, true] {
                let exp = try run(entry.name, opts.merging(extra) { a, _ in a }, flashback: fb)
                XCTAssertTrue(exp.isFinished, entry.name)
                for j in 0..<5 { XCTAssertNotNil(exp.metrics.classIL[4, j], "\(entry.name) R[4][\(j)]") }
                let s = try XCTUnwrap(exp.metrics.classILSummary)
                if !fb { finalAccuracy[entry.name] = s.finalAverageAccuracy }
                // Task-IL is easy on digits for every method: each 2-way task is nearly solved.
                XCTAssertGreaterThan(try XCTUnwrap(exp.metrics.taskILSummary).finalAverageAccuracy, 60, "\(entry.name) flashback \(fb)")
            }
        }
        // Fine-tuning forgets: class-IL stays near the last task's share (1 task of 5 = 20 %).
        let sgd = try XCTUnwrap(finalAccuracy["sgd"])
        XCTAssertLessThan(sgd, 30)
        XCTAssertGreaterThan(sgd, 15)
        // Joint sees everything; replay methods keep old tasks: far above fine-tuning.
        XCTAssertGreaterThan(finalAccuracy["joint"]!, 85)
        for m in ["icarl", "lucir", "der", "derpp", "xder"] {
            XCTAssertGreaterThan(finalAccuracy[m]!, sgd + 30, "\(m): \(finalAccuracy[m]!) vs sgd \(sgd)")
        }
    }
}
