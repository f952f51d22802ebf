import Foundation
import FLTensor
import FLData

/// Replay with logits (DER, DER++, X-DER): α · MSE(z(x_b), ℓ_b) on a buffer draw with stored
/// logits ℓ, plus β · CE(z(x_b'), y_b') on a second draw (DER++; X-DER restricts it to the
/// past heads [0, p)). With source .primary (Flashback on X-DER) the targets are the primary
/// model's logits on a fresh buffer draw: α_p · MSE(z(x_b3), z_p(x_b3)) over all N columns.
public final class LogitReplay: Regularizer, @unchecked Sendable {
    public var beta: Float
    /// X-DER: the label term only covers the past heads.
    public var labelsOnPastHeads: Bool
    /// Replay batch size (nil: the run's minibatch size).
    public var batchSize: Int?

    /// What the last call drew and computed (X-DER's transplant and constraints read it);
    /// `outputs` keep their graph so later terms can differentiate through them.
    public struct Draw {
        public var slots: [Int]
        public var outputs: Tensor
        public var stored: Tensor?
    }
    public private(set) var lastDraws: [Draw] = []

    public init(alpha: Float = 1, beta: Float = 0, source: KnowledgeSource = .old, labelsOnPastHeads: Bool = false, batchSize: Int? = nil) {
        self.beta = beta; self.labelsOnPastHeads = labelsOnPastHeads; self.batchSize = batchSize
        super.init(weight: alpha, source: source)
    }
    public override var kind: String { "logit_replay" }
    public override var parameters: [(String, Double)] {
        source == .old ? [("alpha", Double(weight)), ("beta", Double(beta))] : [("alpha", Double(weight))]
    }

    public override func attach(to exp: Experiment) throws -> String? {
        if exp.buffer == nil {
            exp.ensureBuffer(policy: .reservoir, storesLogits: true)
            return "logit_replay: the run kept no buffer; a reservoir buffer of \(exp.buffer?.capacity ?? 0) samples starts now (it fills from the next batch)"
        }
        if exp.buffer?.logits == nil && source == .old {
            return "logit_replay: the buffer stores no logits; only the label term (β) applies"
        }
        return nil
    }

    /// Draws `n` buffer samples with train augmentation.
    func draw(_ exp: Experiment, _ ctx: TaskContext, _ n: Int, salt: UInt64) -> (slots: [Int], batch: Batch)? {
        guard let buf = exp.buffer, !buf.isEmpty else { return nil }
        let slots = buf.sampleSlots(n)
        let idx = slots.map { buf.indices[$0] }
        let seed = deriveSeed(exp.config.seed, UInt64(ctx.task), UInt64(exp.globalStep), salt)
        let x = exp.data.trainImages(idx, augmentationSeed: exp.augmentsReplay ? seed : nil)
        return (slots, Batch(inputs: x, labels: slots.map { buf.labels[$0] }, indices: idx, task: ctx.task, logits: buf.logitRows(slots)))
    }

    public override func loss(student: StudentPass, batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> Tensor? {
        lastDraws = []
        let n = batchSize ?? exp.config.minibatchSize
        var total: Tensor? = nil
        if source == .primary {
            guard let primary = exp.primaryModel, let (slots, b) = draw(exp, ctx, n, salt: 3) else { return nil }
            let z = try exp.net(b.inputs)
            let zp = try teacherPass(primary, b.inputs).logits
            lastDraws.append(Draw(slots: slots, outputs: z, stored: nil))
            return try mseLoss(z, zp) * weight
        }
        if weight != 0, exp.buffer?.logits != nil, let (slots, b) = draw(exp, ctx, n, salt: 1), let stored = b.logits {
            let z = try exp.net(b.inputs)
            lastDraws.append(Draw(slots: slots, outputs: z, stored: stored))
            total = try mseLoss(z, stored) * weight
        }
        if beta != 0, let (slots, b) = draw(exp, ctx, n, salt: 2) {
            let z = try exp.net(b.inputs)
            lastDraws.append(Draw(slots: slots, outputs: z, stored: b.logits))
            var term: Tensor? = nil
            if labelsOnPastHeads {
                let p = ctx.oldClasses
                if p > 0 { term = try crossEntropy(z.slice(dim: 1, start: 0, end: p), b.labels.map { min($0, p - 1) }) }
            } else {
                term = try crossEntropy(z, b.labels)
            }
            if let term { let w = term * beta; total = try total.map { try $0 + w } ?? w }
        }
        return total
    }
}

extension RegularizerDeclaration {
    public static let logitReplay = RegularizerDeclaration(
        kind: "logit_replay", summary: "Replay with logits (DER): α·MSE to stored logits + β·CE on a second buffer draw.",
        example: "run.stability = logit_replay(alpha: 0.5, beta: 0.5)",
        parameters: [ParameterDoc("alpha", "1", "logit term"), ParameterDoc("beta", "0", "label term"),
                     ParameterDoc("past_heads", "0", "the label term on the past heads only (X-DER)", kind: .flag)]) { o, source in
        LogitReplay(alpha: o.float("alpha"), beta: o.float("beta"), source: source, labelsOnPastHeads: o.flag("past_heads"))
    }
}
