import XCTest
@testable import FLCore
import FLTensor
import FLData

/// Each loss term of each method against a hand-computed value on a 2-sample batch.
/// The network is a single linear layer (an MLP without hidden layers), so logits are
/// z = W·x + b with chosen W, b, and every expectation is computed with plain Float64 formulas.
final class LossTermTests: XCTestCase {
    let g = TaskGeometry(initialClasses: 2, classesPerTask: 2, tasks: 2)   // p = 2, a = 4 at task 1
    let x: [[Float]] = [[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]]

    func makeData(_ geometry: TaskGeometry? = nil) throws -> InMemoryData {
        let geo = geometry ?? g
        let tx = try Tensor(shape: [4, 1, 1, 3], values: [0.5, -1, 2, 1.5, 0.3, -0.7, -0.2, 0.9, 0.4, 1.1, -1.3, 0.6])
        return try InMemoryData(name: "tiny", geometry: geo, trainImages: tx, trainLabels: [1, 3, 0, 2],
                                testImages: tx, testLabels: [1, 3, 0, 2])
    }

    func setLinear(_ net: Network, seed: Float) {
        let l = net.head as! Linear
        for i in 0..<l.weight.count { l.weight.data[i] = Float(i % 5) * 0.3 * seed - 0.4 }
        for i in 0..<l.bias!.count { l.bias!.data[i] = Float(i) * 0.1 - 0.15 * seed }
    }

    func logits(_ net: Network, _ x: [[Float]]) throws -> [[Double]] {
        try Ref.rows(noGrad { try net(try Tensor(shape: [x.count, 1, 1, 3], values: x.flatMap { $0 })) })
    }

    func setup(_ method: String, _ options: [String: Double] = [:], labels: [Int] = [1, 3], flashback: FlashbackConfig? = nil,
               geometry: TaskGeometry? = nil) throws -> (Experiment, Batch, TaskContext) {
        let data = try makeData(geometry)
        let exp = try Fixtures.experiment(method, options: options, data: data, flashback: flashback, hidden: [])
        if let _ = exp.net.head as? Linear { setLinear(exp.net, seed: 1) }
        let old = exp.net.copy() as! Network
        if let _ = old.head as? Linear { setLinear(old, seed: 2) }
        old.eval(); old.freeze()
        exp.oldModel = old
        let xb = try Tensor(shape: [2, 1, 1, 3], values: x.flatMap { $0 })
        let batch = Batch(inputs: xb, labels: labels, raw: xb, indices: [0, 1], task: 1)
        return (exp, batch, TaskContext(task: 1, geometry: geometry ?? g, phase: .primary))
    }

    func testLwFMCTermsSumToTheSingleBCEOfThePaper() throws {
        let (exp, batch, ctx) = try setup("lwf_mc")
        let terms = try exp.strategy.observe(batch, context: ctx, experiment: exp)
        let z = try logits(exp.net, x), zo = try logits(exp.oldModel!, x)
        let targets = zip(zo, [1, 3]).map { row, y in [Ref.sigmoid(row[0]), Ref.sigmoid(row[1]), y == 2 ? 1 : 0, y == 3 ? 1 : 0] }
        let expected = Ref.bce(z, targets)
        XCTAssertEqual(try Double(terms.total().data[0]), expected, accuracy: 1e-5)
        // The parts: (a−p)/a·BCE on new columns and p/a·BCE on old columns.
        XCTAssertEqual(terms.values["bce_new"]!, 0.5 * Ref.bce(Ref.cols(z, 2..<4), Ref.cols(targets, 2..<4)), accuracy: 1e-5)
        XCTAssertEqual(terms.values["stability"]!, 0.5 * Ref.bce(Ref.cols(z, 0..<2), Ref.cols(targets, 0..<2)), accuracy: 1e-5)
        // With wd_reg the squared norm of all parameters is added.
        let (e2, b2, c2) = try setup("lwf_mc", ["wd_reg": 0.01])
        let t2 = try e2.strategy.observe(b2, context: c2, experiment: e2)
        let sq = e2.net.parameters().reduce(0.0) { acc, p in acc + (0..<p.count).reduce(0.0) { $0 + Double(p.data[$1] * p.data[$1]) } }
        XCTAssertEqual(t2.values["wd_reg"]!, 0.01 * sq, accuracy: 1e-5)
    }

    func testICaRLUsesTheLwFMCLossAtTaskZeroAndLater() throws {
        let (exp, batch, ctx) = try setup("icarl", ["buffer_size": 4])
        let terms = try exp.strategy.observe(batch, context: ctx, experiment: exp)
        let z = try logits(exp.net, x), zo = try logits(exp.oldModel!, x)
        let targets = zip(zo, [1, 3]).map { row, y in [Ref.sigmoid(row[0]), Ref.sigmoid(row[1]), y == 2 ? 1 : 0, y == 3 ? 1 : 0] }
        XCTAssertEqual(try Double(terms.total().data[0]), Ref.bce(z, targets), accuracy: 1e-5)
        // Task 0: BCE on the C0 columns against one-hot.
        let ctx0 = TaskContext(task: 0, geometry: g)
        let b0 = Batch(inputs: batch.inputs, labels: [1, 0], task: 0)
        let t0 = try exp.strategy.observe(b0, context: ctx0, experiment: exp)
        XCTAssertEqual(try Double(t0.total().data[0]), Ref.bce(Ref.cols(z, 0..<2), [[0, 1], [1, 0]]), accuracy: 1e-5)
    }

    /// `mammoth2020`: the exemplar rows (old classes) are seen as ⌊x⌋/255 by both networks, as 2020
    /// mammoth's uint8 cast without ×255 left them; current-task rows and task 0 are untouched.
    func testICaRLMammoth2020RehearsesExemplarsAsUInt8CastImages() throws {
        let (exp, batch, ctx) = try setup("icarl", ["buffer_size": 4, "mammoth2020": 1])
        let terms = try exp.strategy.observe(batch, context: ctx, experiment: exp)
        let seen = [x[0].map { $0.rounded(.down) / 255 }, x[1]]      // label 1 < p = 2: an exemplar
        XCTAssertEqual(seen[0], [0, -1 / 255, 2 / 255])
        let z = try logits(exp.net, seen), zo = try logits(exp.oldModel!, seen)
        let targets = zip(zo, [1, 3]).map { row, y in [Ref.sigmoid(row[0]), Ref.sigmoid(row[1]), y == 2 ? 1 : 0, y == 3 ? 1 : 0] }
        XCTAssertEqual(try Double(terms.total().data[0]), Ref.bce(z, targets), accuracy: 1e-5)
        let (plain, pb, pc) = try setup("icarl", ["buffer_size": 4])
        XCTAssertNotEqual(try Double(plain.strategy.observe(pb, context: pc, experiment: plain).total().data[0]),
                          try Double(terms.total().data[0]), accuracy: 1e-4)
        // Task 0 has no exemplars: the same loss with and without the option.
        let ctx0 = TaskContext(task: 0, geometry: g)
        let b0 = Batch(inputs: batch.inputs, labels: [1, 0], task: 0)
        let t0 = try exp.strategy.observe(b0, context: ctx0, experiment: exp)
        XCTAssertEqual(try Double(t0.total().data[0]), Ref.bce(Ref.cols(try logits(exp.net, x), 0..<2), [[0, 1], [1, 0]]), accuracy: 1e-5)
        XCTAssertTrue((exp.strategy as! ICaRL).mammoth2020)
    }

    func testLwFCrossEntropyPlusKnowledgeDistillation() throws {
        let (exp, batch, ctx) = try setup("lwf", ["alpha": 0.7, "warmup_epochs": 0])
        let terms = try exp.strategy.observe(batch, context: ctx, experiment: exp)
        let z = try logits(exp.net, x), zo = try logits(exp.oldModel!, x)
        XCTAssertEqual(terms.values["ce"]!, Ref.ce(z, [1, 3]), accuracy: 1e-5)
        var kd = 0.0
        for (r, ro) in zip(z, zo) {
            let p = Ref.softmax(ro[0..<2].map { $0 / 2 }), q = Ref.softmax(r[0..<2].map { $0 / 2 })
            kd += zip(p, q).map { $0 * Foundation.log($0 / $1) }.reduce(0, +)
        }
        XCTAssertEqual(terms.values["stability"]!, 0.7 * kd / 2, accuracy: 1e-5)
    }

    func testLUCIRCrossEntropyLessForgetAndMarginRanking() throws {
        let (exp, batch, ctx) = try setup("lucir", ["buffer_size": 4, "lamda_base": 5, "lamda_mr": 1.5, "k_mr": 2, "mr_margin": 0.5])
        let head = exp.net.head as! CosineClassifier
        head.sigma.data[0] = 3
        for b in head.blocks { for i in 0..<b.count { b.data[i] = Float((i * 7) % 5) * 0.4 - 0.7 } }
        let old = exp.net.copy() as! Network
        old.eval(); old.freeze()
        // Make the old features differ: the "features" of this net are the inputs themselves,
        // so the less-forget term is zero unless the old model has a body; give it one via a
        // different input scaling through a wrapper test on the regularizer directly below.
        exp.oldModel = old
        let terms = try exp.strategy.observe(batch, context: ctx, experiment: exp)
        let w = Ref.rows(try concat(head.blocks, dim: 0))
        let cos = x.map { xi in w.map { Ref.cos(xi.map(Double.init), $0) } }
        let z = cos.map { $0.map { $0 * 3 } }
        XCTAssertEqual(terms.values["ce"]!, Ref.ce(z, [1, 3]), accuracy: 1e-5)
        // Sample 0 has label 1 < p = 2: hinge on the 2 new columns.
        let gt = cos[0][1]
        let mr = [cos[0][2], cos[0][3]].map { max(0, 0.5 - gt + $0) }.reduce(0, +) / 2
        XCTAssertEqual(terms.values["margin_ranking"] ?? 0, 1.5 * mr, accuracy: 1e-5)
        XCTAssertEqual(terms.values["stability"] ?? 0, 0, accuracy: 1e-6)   // identical features
        // Less-forget on features that differ: λ_base·√t·mean(1 − cos(f, f_old)).
        let fd = FeatureDistillation(weight: 5, source: .old, schedule: .sqrtTask)
        let f = try Tensor(shape: [2, 3], values: [1, 0, 0, 1, 1, 0])
        let student = StudentPass(logits: Tensor.zeros([2, 4]), features: f)
        let l = try XCTUnwrap(fd.loss(student: student, batch: batch, context: TaskContext(task: 4, geometry: TaskGeometry(initialClasses: 2, classesPerTask: 2, tasks: 5)), experiment: exp))
        let fo = x.map { $0.map(Double.init) }
        let expected = 5 * 2 * ((1 - Ref.cos([1, 0, 0], fo[0])) + (1 - Ref.cos([1, 1, 0], fo[1]))) / 2
        XCTAssertEqual(Double(l.data[0]), expected, accuracy: 1e-5)
    }

    func testDERAndDERppReplayTerms() throws {
        for plus in [false, true] {
            let (exp, batch, ctx) = try setup(plus ? "derpp" : "der", plus ? ["buffer_size": 1, "alpha": 0.3, "beta": 0.8] : ["buffer_size": 1, "alpha": 0.3])
            let stored = try Tensor(shape: [1, 4], values: [0.2, -0.1, 0.5, 1.0])
            exp.buffer!.addReservoir(indices: [2], labels: [0], task: 0, logits: stored)
            let terms = try exp.strategy.observe(batch, context: ctx, experiment: exp)
            let z = try logits(exp.net, x)
            XCTAssertEqual(terms.values["ce"]!, Ref.ce(z, [1, 3]), accuracy: 1e-5)
            let zb = try logits(exp.net, [[-0.2, 0.9, 0.4]])
            var expected = 0.3 * Ref.mse(zb, [[0.2, -0.1, 0.5, 1.0]])
            if plus { expected += 0.8 * Ref.ce(zb, [0]) }
            XCTAssertEqual(terms.values["stability"]!, expected, accuracy: 1e-5)
        }
    }

    func testXDERStreamReplayAndPastConstraint() throws {
        let (exp, batch, ctx) = try setup("xder", ["buffer_size": 1, "alpha": 0.6, "beta": 0.9, "eta": 0.5, "m": 0.3], labels: [2, 3])
        let stored = try Tensor(shape: [1, 4], values: [0.2, -0.1, 0.5, 1.0])
        exp.buffer!.append(index: 2, label: 0, task: 0, logits: stored)
        let terms = try exp.strategy.observe(batch, context: ctx, experiment: exp)
        let z = try logits(exp.net, x)
        XCTAssertEqual(terms.values["ce_stream"]!, Ref.ce(Ref.cols(z, 2..<4), [0, 1]), accuracy: 1e-5)
        let zb = try logits(exp.net, [[-0.2, 0.9, 0.4]])
        XCTAssertEqual(terms.values["stability"]!, 0.6 * Ref.mse(zb, [[0.2, -0.1, 0.5, 1.0]]) + 0.9 * Ref.ce(Ref.cols(zb, 0..<2), [0]), accuracy: 1e-5)
        var pos: [Double] = []
        for r in z {
            let p = Ref.softmax(r)
            let v = max(p[0], p[1]) + 0.3 - max(p[2], p[3])
            if v > 0 { pos.append(v) }
        }
        let expected = pos.isEmpty ? 0 : 0.5 * pos.reduce(0, +) / Double(pos.count)
        XCTAssertEqual(terms.values["past_constraint"] ?? 0, expected, accuracy: 1e-5)
    }

    func testXDERFutureConstraintAtTaskZero() throws {
        let (exp, batch, _) = try setup("xder", ["buffer_size": 1, "eta": 0.5, "m": 0.3, "lambd": 0], labels: [0, 1])
        let ctx0 = TaskContext(task: 0, geometry: g)
        let terms = try exp.strategy.observe(batch, context: ctx0, experiment: exp)
        let z = try logits(exp.net, x)
        var pos: [Double] = []
        for r in z { let v = max(r[2], r[3]) + 0.3 - max(r[0], r[1]); if v > 0 { pos.append(v) } }
        let expected = pos.isEmpty ? 0 : 0.5 * pos.reduce(0, +) / Double(pos.count)
        XCTAssertEqual(terms.values["future_constraint"] ?? 0, expected, accuracy: 1e-5)
        XCTAssertEqual(terms.values["ce_stream"]!, Ref.ce(Ref.cols(z, 0..<2), [0, 1]), accuracy: 1e-5)
    }

    func testOnlineEWCTaskLossesAndPenalty() throws {
        let (exp, batch, ctx) = try setup("ewc_on", ["e_lambda": 2])
        let params = exp.net.parameters()
        let fisher = params.map { p -> Tensor in let t = Tensor.zeros(p.shape); for i in 0..<t.count { t.data[i] = Float(i % 3) * 0.5 }; return t }
        let anchor = params.map { p -> Tensor in let t = p.clone(); for i in 0..<t.count { t.data[i] -= 0.1 * Float(i % 2) }; return t }
        var d: [String: Tensor] = [:]
        for (i, f) in fisher.enumerated() { d["fisher.\(i)"] = f }
        for (i, a) in anchor.enumerated() { d["anchor.\(i)"] = a }
        try exp.strategy.stability!.restoreKnowledge(d)
        let terms = try exp.strategy.observe(batch, context: ctx, experiment: exp)
        let z = try logits(exp.net, x)
        XCTAssertEqual(terms.values["bce"]!, Ref.bce(Ref.cols(z, 2..<4), [[0, 0], [0, 1]]), accuracy: 1e-5)
        var penalty = 0.0
        for (k, p) in params.enumerated() { for i in 0..<p.count {
            let diff = Double(p.data[i] - anchor[k].data[i]); penalty += Double(fisher[k].data[i]) * diff * diff
        } }
        XCTAssertEqual(terms.values["stability"]!, 2 * penalty, accuracy: 1e-5)
        // The cross-entropy variant (mammoth / DER paper).
        let (e2, b2, c2) = try setup("ewc_on", ["e_lambda": 2, "loss_ce": 1])
        let t2 = try e2.strategy.observe(b2, context: c2, experiment: e2)
        XCTAssertEqual(t2.values["ce"]!, Ref.ce(try logits(e2.net, x), [1, 3]), accuracy: 1e-5)
    }

    func testFlashbackPlasticTermsOfEachBaseline() throws {
        let fb = FlashbackConfig(alphaP: 0.25, epochs: 1)
        // LwF.MC / iCaRL: BCE(z[:, p:a], σ(z_p[:, p:a])).
        for method in ["lwf_mc", "icarl"] {
            let (exp, batch, ctx) = try setup(method, method == "icarl" ? ["buffer_size": 4] : [:], flashback: fb)
            let primary = exp.oldModel!.copy() as! Network
            setLinear(primary, seed: 3)
            exp.primaryModel = primary
            let student = try exp.strategy.studentPass(batch.inputs, exp)
            let l = try XCTUnwrap(exp.flashback!.plasticity.loss(student: student, batch: batch, context: ctx, experiment: exp))
            let z = try logits(exp.net, x), zp = try logits(primary, x)
            XCTAssertEqual(Double(l.data[0]), Ref.bce(Ref.cols(z, 2..<4), Ref.cols(zp, 2..<4).map { $0.map(Ref.sigmoid) }), accuracy: 1e-5, method)
        }
        // X-DER: MSE(z(x_b3), z_p(x_b3)) over all columns.
        let (xe, xb, xc) = try setup("xder", ["buffer_size": 1], labels: [2, 3], flashback: fb)
        xe.buffer!.append(index: 3, label: 2, task: 1, logits: Tensor.zeros([1, 4]))
        let xp = xe.oldModel!.copy() as! Network
        setLinear(xp, seed: 4)
        xe.primaryModel = xp
        let xs = try xe.strategy.studentPass(xb.inputs, xe)
        let xl = try XCTUnwrap(xe.flashback!.plasticity.loss(student: xs, batch: xb, context: xc, experiment: xe))
        let input = [[Float(1.1), -1.3, 0.6]]
        XCTAssertEqual(Double(xl.data[0]), Ref.mse(try logits(xe.net, input), try logits(xp, input)), accuracy: 1e-5)
    }
}
