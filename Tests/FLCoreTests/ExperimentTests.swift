import XCTest
import Foundation
@testable import FLCore
import FLTensor
import FLData

final class ExperimentTests: XCTestCase {
    /// Runs state-machine units until Phase 1 of the current task is done (before the flashback).
    func runToEndOfPhaseOne(_ exp: Experiment) throws {
        while exp.cursor.stage != .flashback { try exp.stepUnits(1) }
    }

    func cnnBlobs() throws -> InMemoryData {
        // Images with spatial structure so batch-norm (ResNet) has statistics to keep.
        var rng = RNG(seed: 2)
        let g = TaskGeometry(initialClasses: 2, classesPerTask: 2, tasks: 2)
        func make(_ n: Int) throws -> (Tensor, [Int]) {
            let x = Tensor.empty([n, 1, 8, 8]); var y: [Int] = []
            for i in 0..<n { let c = i % 4; for j in 0..<64 { x.data[i * 64 + j] = Float(c) * 0.5 * Float(j % (c + 2)) + 0.3 * rng.normal() }; y.append(c) }
            return (x, y)
        }
        let (a, b) = try make(48), (c, d) = try make(16)
        return try InMemoryData(name: "cnnblobs", geometry: g, trainImages: a, trainLabels: b, testImages: c, testLabels: d)
    }

    /// The flashback returns to θ*ₜ₋₁ exactly: every parameter and every batch-norm buffer.
    func testFlashbackResetsWeightsAndBatchNormBuffersExactly() throws {
        let data = try cnnBlobs()
        let net = try BackboneSpec(kind: "resnet18", inputShape: [1, 8, 8], classes: 4, nf: 2, seed: 1).build()
        var cfg = Fixtures.config(epochs: 1, batch: 16)
        cfg.momentum = 0
        let exp = try Experiment(data: data, net: net, strategy: StrategyRegistry.make("lwf_mc"), config: cfg,
                                 flashback: FlashbackConfig(alphaP: 0.1, epochs: 1))
        try exp.step(.task)                       // task 0
        try runToEndOfPhaseOne(exp)               // task 1, Phase 1 done: net = θₚ
        XCTAssertEqual(exp.cursor.stage, .flashback)
        let anchor = try XCTUnwrap(exp.flashbackAnchor)
        let before = exp.net.stateDict().map { $0.1.toArray() }
        let anchorState = anchor.stateDict().map { $0.1.toArray() }
        XCTAssertNotEqual(before, anchorState, "Phase 1 changed the network")
        // The running statistics changed too (they are part of what must be reset).
        let bnNames = exp.net.namedBuffers().map(\.0)
        XCTAssertTrue(bnNames.contains("bn1.running_mean"))
        try exp.flashbackTransition()
        for ((n, a), (_, b)) in zip(exp.net.stateDict(), anchor.stateDict()) {
            XCTAssertEqual(a.toArray().map(\.bitPattern), b.toArray().map(\.bitPattern), n)
        }
        // And the primary model keeps θₚ.
        XCTAssertEqual(exp.primaryModel!.stateDict().map { $0.1.toArray() }, before)
        XCTAssertEqual(exp.cursor.phase, .flashback)
    }

    func testOnlineEWCPlasticTermIsNonZeroInPhaseTwo() throws {
        let exp = try Fixtures.experiment("ewc_on", options: ["e_lambda": 5], flashback: FlashbackConfig(alphaP: 1, epochs: 1))
        try exp.step(.task)
        try exp.step(.phase)                      // through the flashback: PKB built, net at θ*ₜ₋₁
        XCTAssertEqual(exp.cursor.phase, .flashback)
        let plastic = try XCTUnwrap(exp.flashback?.plasticity as? ParameterImportance)
        XCTAssertTrue(plastic.hasKnowledge, "Fₚ computed from the primary model")
        XCTAssertGreaterThan(plastic.fisher.map { $0.maxValue() }.max()!, 0)
        // At the flashback θ = θ*ₜ₋₁ ≠ θₚ, so Σ Fₚ(θ − θₚ)² > 0.
        let ctx = exp.context()
        let idx = Array(exp.data.trainIndices(task: 1).prefix(4))
        let batch = Batch(inputs: exp.data.trainImages(idx, augmentationSeed: nil), labels: exp.data.trainLabels(idx), indices: idx, task: 1)
        let student = try exp.strategy.studentPass(batch.inputs, exp)
        let l = try XCTUnwrap(plastic.loss(student: student, batch: batch, context: ctx, experiment: exp))
        XCTAssertGreaterThan(l.data[0], 0)
        // And it is part of the Phase 2 loss the trainer optimizes.
        let report = try exp.step(.batch)
        XCTAssertEqual(report.batches, 1)
    }

    func testLUCIRNewHeadIsReimprintedAtTheFlashback() throws {
        let exp = try Fixtures.experiment("lucir", options: ["buffer_size": 20, "fitting_epochs": 1],
                                          flashback: FlashbackConfig(alphaP: 0.1, epochs: 1))
        try exp.step(.task)
        try runToEndOfPhaseOne(exp)
        let head = exp.net.head as! CosineClassifier
        let anchorBlock = (exp.flashbackAnchor!.head as! CosineClassifier).blocks[1].toArray()
        let trainedBlock = head.blocks[1].toArray()
        try exp.flashbackTransition()
        let after = head.blocks[1].toArray()
        // Not the trained θₚ block, not the stale θ*ₜ₋₁ block: a fresh imprint from θ*ₜ₋₁'s features.
        XCTAssertNotEqual(after, trainedBlock)
        XCTAssertNotEqual(after, anchorBlock)
        let lucir = exp.strategy as! LUCIR
        let ctx = exp.context()
        let expected = head.blocks[1].clone()
        try lucir.imprintBlock(ctx, exp)
        XCTAssertEqual(head.blocks[1].toArray(), expected.toArray(), "imprint is a pure function of the reset network")
        // Imprinted rows have the mean norm of the old block's rows.
        let oldRows = Ref.rows(head.blocks[0]).map { $0.map { $0 * $0 }.reduce(0, +).squareRoot() }
        let newRows = Ref.rows(head.blocks[1]).map { $0.map { $0 * $0 }.reduce(0, +).squareRoot() }
        let mean = oldRows.reduce(0, +) / Double(oldRows.count)
        for n in newRows { XCTAssertEqual(n, mean, accuracy: 1e-4) }
        XCTAssertTrue(head.blocks[1].requiresGrad)
        XCTAssertFalse(head.blocks[0].requiresGrad)
    }

    func testSwappingARegularizerMidTaskChangesTheNextStepsLoss() throws {
        func run(swap: Bool) throws -> (Double, [String]) {
            let exp = try Fixtures.experiment("lwf_mc")
            try exp.step(.task)
            try exp.step(.batch, count: 2)
            var notes: [String] = []
            if swap {
                if let note = try exp.setStability(ParameterImportance(weight: 50, source: .old)) { notes.append(note) }
            }
            let r = try exp.step(.batch)
            return (r.lastLoss!, notes)
        }
        let (a, _) = try run(swap: false)
        let (b, notes) = try run(swap: true)
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(notes.first?.contains("Fisher") ?? false, "the swapped-in EWC says it built its Fisher: \(notes)")
    }

    func testSameSeedGivesBitIdenticalAccuracyMatrices() throws {
        for method in ["lwf_mc", "der", "icarl"] {
            let opts: [String: Double] = method == "lwf_mc" ? [:] : ["buffer_size": 20]
            let a = try Fixtures.experiment(method, options: opts), b = try Fixtures.experiment(method, options: opts)
            try a.run(); try b.run()
            XCTAssertEqual(a.metrics.classIL, b.metrics.classIL, method)
            XCTAssertEqual(a.metrics.taskIL, b.metrics.taskIL, method)
            XCTAssertEqual(a.net.stateDict().map { $0.1.toArray() }, b.net.stateDict().map { $0.1.toArray() }, method)
        }
    }

    func testInterruptAfterBatchKThenResumeEqualsUninterrupted() throws {
        for method in ["derpp", "xder"] {
            let fb = FlashbackConfig(alphaP: 0.1, epochs: 1)
            let ref = try Fixtures.experiment(method, options: ["buffer_size": 20], flashback: fb)
            try ref.run()
            let exp = try Fixtures.experiment(method, options: ["buffer_size": 20], flashback: fb)
            var count = 0
            exp.onProgress = { _ in
                count += 1
                if count == 7 { exp.cancellation.set() }   // like Ctrl-C during batch 7
            }
            let r = try exp.run()
            XCTAssertTrue(r.interrupted)
            XCTAssertEqual(exp.globalStep, 7, "state = after the last completed batch")
            exp.onProgress = nil
            try exp.run()
            XCTAssertEqual(exp.metrics.classIL, ref.metrics.classIL, method)
            XCTAssertEqual(exp.net.stateDict().map { $0.1.toArray() }, ref.net.stateDict().map { $0.1.toArray() }, method)
        }
    }

    func testSnapshotRestoreContinueEqualsContinuing() throws {
        let dir = NSTemporaryDirectory() + "flnb-snap-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (method, opts) in [("lucir", ["buffer_size": 20.0, "fitting_epochs": 1]), ("ewc_on", ["e_lambda": 3]), ("xder", ["buffer_size": 20])] {
            let data = try Fixtures.blobs()
            let fb = FlashbackConfig(alphaP: 0.2, epochs: 1)
            var cfg = Fixtures.config()
            cfg.epochsCL = 2
            let recipe = ExperimentRecipe(backbone: BackboneSpec(kind: "mlp", inputShape: data.inputShape, classes: 6, hidden: [16], seed: 5),
                                          data: BenchmarkRecipe(name: "blobs"), strategy: method, strategyOptions: opts, config: cfg, flashback: fb)
            func build() throws -> Experiment {
                try Experiment(data: data, net: recipe.backbone.build(), strategy: StrategyRegistry.make(method, options: opts),
                               config: cfg, flashback: fb)
            }
            let exp = try build()
            try exp.step(.task)
            try exp.step(.epoch)             // mid task 1 Phase 1, momentum buffers live
            try exp.step(.batch, count: 2)
            let path = dir + "/\(method).ckpt"
            try Snapshot.save(exp, recipe: recipe, to: path)
            let (fork, _) = try Snapshot.restore(from: path, data: data)
            XCTAssertEqual(fork.cursor, exp.cursor)
            try exp.run(); try fork.run()
            XCTAssertEqual(fork.metrics.classIL, exp.metrics.classIL, method)
            XCTAssertEqual(fork.net.stateDict().map { $0.1.toArray() }, exp.net.stateDict().map { $0.1.toArray() }, method)
        }
    }

    func testCorruptSnapshotIsRejectedWithAClearMessage() throws {
        let dir = NSTemporaryDirectory() + "flnb-snap-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try Fixtures.blobs()
        let exp = try Fixtures.experiment("sgd", data: data)
        try exp.step(.batch)
        let recipe = ExperimentRecipe(backbone: BackboneSpec(kind: "mlp", inputShape: data.inputShape, classes: 6, hidden: [16], seed: 5),
                                      data: BenchmarkRecipe(dictionary: [:]), strategy: "sgd", strategyOptions: [:], config: exp.config, flashback: nil)
        let path = dir + "/s.ckpt"
        try Snapshot.save(exp, recipe: recipe, to: path)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Snapshot.restore(from: path, data: data)) { XCTAssertTrue("\($0)".contains("checksum"), "\($0)") }
        let model = dir + "/m.safetensors"
        try exp.net.save(to: model)
        XCTAssertThrowsError(try Snapshot.restore(from: model, data: data)) { XCTAssertTrue("\($0)".contains("not an flnb snapshot"), "\($0)") }
    }

    func testBadConfigurationFailsBeforeTraining() throws {
        XCTAssertThrowsError(try StrategyRegistry.make("lwfmcc")) { XCTAssertTrue("\($0)".contains("unknown method 'lwfmcc'"), "\($0)") }
        XCTAssertThrowsError(try StrategyRegistry.make("der", options: ["lamda_base": 1])) { XCTAssertTrue("\($0)".contains("'lamda_base'"), "\($0)") }
        XCTAssertThrowsError(try Fixtures.experiment("lwf_mc", flashback: FlashbackConfig(alphaP: -1, epochs: 1))) {
            XCTAssertTrue("\($0)".contains("alpha_p"), "\($0)")
        }
        XCTAssertThrowsError(try Fixtures.experiment("icarl", options: ["buffer_size": 0])) { XCTAssertTrue("\($0)".contains("buffer_size"), "\($0)") }
        XCTAssertThrowsError(try Fixtures.experiment("der", options: ["buffer_size": 0]))
        XCTAssertThrowsError(try Fixtures.blobs(geometry: TaskGeometry(initialClasses: 8, classesPerTask: 2, tasks: 1))) {
            XCTAssertTrue("\($0)".contains("needs 8 classes"), "\($0)")
        }
        var cfg = Fixtures.config(); cfg.lr = 0
        XCTAssertThrowsError(try Fixtures.experiment("sgd", config: cfg)) { XCTAssertTrue("\($0)".contains("lr"), "\($0)") }
        // The network must cover every class.
        let data = try Fixtures.blobs()
        let small = try BackboneSpec(kind: "mlp", inputShape: data.inputShape, classes: 4).build()
        XCTAssertThrowsError(try Experiment(data: data, net: small, strategy: SGDStrategy(), config: Fixtures.config())) {
            XCTAssertTrue("\($0)".contains("4 outputs"), "\($0)")
        }
    }

    func testEveryMethodRunsOriginalAndFlashbackOnUnevenGeometry() throws {
        // C0 ≠ K: 4 + 2 + 2 classes.
        let data = try Fixtures.blobs(classes: 8, perClass: 12, geometry: TaskGeometry(initialClasses: 4, classesPerTask: 2, tasks: 3))
        for name in StrategyRegistry.names {
            for fb in [nil, FlashbackConfig(alphaP: 0.1, epochs: 1)] {
                let opts: [String: Double] = StrategyRegistry.entries.first { $0.name == name }!.usesBuffer ? ["buffer_size": 16] : [:]
                let extra: [String: Double] = name == "lucir" ? ["fitting_epochs": 1] : [:]
                let exp = try Fixtures.experiment(name, options: opts.merging(extra) { a, _ in a }, data: data, flashback: fb,
                                                  config: Fixtures.config(epochs: 1))
                try exp.run()
                XCTAssertTrue(exp.isFinished, name)
                XCTAssertNotNil(exp.metrics.classIL[2, 2], "\(name) flashback \(fb != nil)")
            }
        }
    }
}
