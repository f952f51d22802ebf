import XCTest
@testable import FLCore
import FLData
@testable import FLTensor

/// Same seed, same numbers, whatever the thread count: a short run of every method, original and
/// with flashback, on Split-Digits gives bit-identical accuracy matrices, loss curves and final
/// weights on 1, 2, 3 and 8 threads. The products here are small, so the GEMM threshold is
/// lowered for the test: every product of the MLP then takes the split paths (GEMM blocks,
/// weight-row blocks) that larger models take, and a small-CNN run covers the convolutions and
/// the sliced inference passes.
final class ThreadInvarianceRunTests: XCTestCase {
    private var savedThreads = 1
    private var savedThreshold = 0
    override func setUp() {
        savedThreads = Parallel.threads; savedThreshold = BLASThreading.parallelThreshold
        BLASThreading.parallelThreshold = 4096
    }
    override func tearDown() { Parallel.threads = savedThreads; BLASThreading.parallelThreshold = savedThreshold }

    static let threadCounts = [1, 2, 3, 8]

    /// Everything a run's outcome is made of, as bits.
    struct Outcome: Equatable {
        var classIL: [[UInt64?]], taskIL: [[UInt64?]], losses: [UInt64], weights: [[UInt32]]
    }

    func run(_ method: String, _ options: [String: Double], flashback: Bool, backbone: BackboneSpec? = nil,
             data: BenchmarkData) throws -> Outcome {
        var cfg = ExperimentConfig()
        cfg.lr = 0.05; cfg.batchSize = 10; cfg.replayBatchSize = 16; cfg.seed = 1
        cfg.epochsBase = 1; cfg.epochsCL = 1
        let net = try (backbone ?? BackboneSpec(kind: "mlp", inputShape: data.inputShape, classes: 10, hidden: [100, 100], seed: 1)).build()
        let exp = try Experiment(data: data, net: net, strategy: StrategyRegistry.make(method, options: options), config: cfg,
                                 flashback: flashback ? FlashbackConfig(alphaP: 0.1, epochs: 1) : nil)
        try exp.run()
        XCTAssertTrue(exp.isFinished, method)
        let m = exp.metrics
        return Outcome(classIL: m.classIL.values.map { $0.map { $0?.bitPattern } },
                       taskIL: m.taskIL.values.map { $0.map { $0?.bitPattern } },
                       losses: m.lossLog.map { $0.meanLoss.bitPattern },
                       weights: exp.net.stateDict().map { $0.1.toArray().map(\.bitPattern) })
    }

    private func assertSameOnEveryThreadCount(_ what: String, _ body: () throws -> Outcome) throws {
        var first: Outcome? = nil
        for t in Self.threadCounts {
            Parallel.threads = t
            let o = try body()
            XCTAssertFalse(o.losses.isEmpty, what)
            guard let f = first else { first = o; continue }
            XCTAssertEqual(o.classIL, f.classIL, "\(what): class-IL at \(t) threads")
            XCTAssertEqual(o.taskIL, f.taskIL, "\(what): task-IL at \(t) threads")
            XCTAssertEqual(o.losses, f.losses, "\(what): losses at \(t) threads")
            XCTAssertTrue(o.weights == f.weights, "\(what): final weights at \(t) threads")
        }
    }

    func testEveryMethodGivesTheSameNumbersOnAnyThreadCount() throws {
        let data = BenchmarkData(try Benchmark.named("seq-digits"))
        // The MLP's products split at this threshold: 2 weight-row blocks, 2-block GEMMs.
        XCTAssertEqual(linearBlocks(batch: 10, fin: 64, fout: 100).count, 2)
        XCTAssertGreaterThan(BLASThreading.gemmParts(m: 10, n: 100, k: 64), 1)
        var methods = Set<String>()
        for entry in StrategyRegistry.entries {
            methods.insert(entry.name)
            let opts: [String: Double] = entry.usesBuffer ? ["buffer_size": 100] : [:]
            let extra: [String: Double] = entry.name == "lucir" ? ["fitting_epochs": 1] : (entry.name == "ewc_on" ? ["e_lambda": 10] : [:])
            for fb in [false, true] {
                try assertSameOnEveryThreadCount("\(entry.name) flashback \(fb)") {
                    try run(entry.name, opts.merging(extra) { a, _ in a }, flashback: fb, data: data)
                }
            }
        }
        XCTAssertTrue(methods.isSuperset(of: ["sgd", "joint", "lwf", "lwf_mc", "icarl", "lucir", "der", "derpp", "xder", "ewc_on"]),
                      "\(methods.sorted())")
    }

    func testACNNRunGivesTheSameNumbersOnAnyThreadCount() throws {
        // The small CNN: convolutions, pooling, and evaluation passes cut into batch slices.
        // (ResNet-18's training step is checked in FLTensorTests; on 8×8 digits its last stage is
        // 1×1 and a batch of one cannot be normalized.)
        let data = BenchmarkData(try Benchmark.named("seq-digits"))
        let spec = BackboneSpec(kind: "cnn", inputShape: data.inputShape, classes: 10, seed: 1)
        try assertSameOnEveryThreadCount("der cnn") {
            try run("der", ["buffer_size": 100], flashback: false, backbone: spec, data: data)
        }
    }
}
