import Foundation
import FLTensor
import FLData

/// The named, weighted terms of one batch's loss, their sum, and the student pass they shared.
public struct LossTerms {
    public private(set) var terms: [(String, Tensor)] = []
    public let student: StudentPass
    public init(student: StudentPass) { self.student = student }

    /// Adds a term (skipped when nil).
    public mutating func add(_ name: String, _ t: Tensor?) { if let t { terms.append((name, t)) } }

    /// The sum of all terms.
    public func total() throws -> Tensor {
        guard var s = terms.first?.1 else { return Tensor(scalar: 0) }
        for (_, t) in terms.dropFirst() { s = try s + t }
        return s
    }

    /// Term values as numbers, for logs and tests.
    public var values: [String: Double] {
        var d: [String: Double] = [:]
        for (n, t) in terms { d[n, default: 0] += Double(t.data[0]) }
        return d
    }
}

/// A continual-learning method as hooks; the experiment (the trainer) does the bookkeeping:
/// counters, class offsets, optimizers and schedulers per phase, evaluation and metrics.
open class Strategy: @unchecked Sendable {
    /// Registry key ("lwf_mc", "icarl", …).
    open var name: String { "strategy" }
    /// The baseline's stability term; replaceable between any two steps.
    public var stability: Regularizer?
    /// Replay memory size (0 for methods without replay).
    public var bufferSize: Int = 0

    public init() {}

    /// The buffer this method keeps, if any.
    open var bufferPolicy: BufferPolicy? { nil }
    /// Whether buffer entries carry logits.
    open var storesLogits: Bool { false }
    /// Whether the stability term needs a frozen copy of the model of the previous task.
    public var keepsOldModel: Bool {
        ((stability as? LogitDistillation)?.source == .old) || ((stability as? FeatureDistillation)?.source == .old)
    }
    /// What Flashback adds in Phase 2 when not told otherwise.
    open func defaultPlasticity() -> Regularizer { LogitDistillation(weight: 1, source: .primary, columns: .new) }

    /// Checks the configuration before anything trains.
    open func validate(_ exp: Experiment) throws {
        if bufferPolicy != nil && bufferSize <= 0 {
            throw ConfigurationError("\(name) replays a buffer: buffer_size must be positive (got \(bufferSize))")
        }
    }

    /// Adapts the network once at the start (LUCIR installs its cosine head).
    open func prepare(_ exp: Experiment) throws {}

    /// The training set of task t (iCaRL/LUCIR add the exemplars; Joint takes every task so far).
    open func trainingIndices(task t: Int, experiment exp: Experiment) -> [Int] { exp.data.trainIndices(task: t) }

    /// Start of task t, before Phase 1.
    open func beginTask(_ ctx: TaskContext, experiment exp: Experiment) throws {}

    /// The parameter groups an optimizer of this phase trains.
    open func parameterGroups(_ ctx: TaskContext, experiment exp: Experiment) -> [ParameterGroup] {
        [ParameterGroup(exp.net.trainableParameters())]
    }

    /// The loss on one batch.
    open func observe(_ batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> LossTerms {
        fatalError("\(type(of: self)) must override observe")
    }

    /// After the optimizer step (reservoir insertion with the pre-step logits).
    open func afterStep(_ batch: Batch, terms: LossTerms, context ctx: TaskContext, experiment exp: Experiment) throws {}

    /// At the flashback, after the network was reset to θ*ₜ₋₁ (LUCIR re-imprints its new head).
    open func afterFlashback(_ ctx: TaskContext, experiment exp: Experiment) throws {}

    /// End of task t (buffer, old model, Fisher …).
    open func endTask(_ ctx: TaskContext, experiment exp: Experiment) throws {
        // Keep θ*ₜ₋₁ fresh when the stability term reads it — and also when one was kept before
        // (a swapped-out distillation): a term swapped back in later must not see a stale model.
        if keepsOldModel || exp.oldModel != nil { exp.snapshotOldModel() }
    }

    /// Class-IL scores [B, N] for evaluation (default: the network's logits in eval mode).
    open func predict(_ x: Tensor, experiment exp: Experiment) throws -> Tensor { try exp.net(x) }

    /// Extra evaluations reported beside the main one (iCaRL: the linear head).
    open var extraEvaluations: [String] { [] }
    open func predictExtra(_ name: String, _ x: Tensor, experiment exp: Experiment) throws -> Tensor { try exp.net(x) }

    /// Student logits and features on the batch's inputs.
    public func studentPass(_ x: Tensor, _ exp: Experiment) throws -> StudentPass {
        let (z, f) = try exp.net.forwardWithFeatures(x)
        return StudentPass(logits: z, features: f)
    }

    /// Adds the stability term (if any) to `terms`.
    public func addStability(_ terms: inout LossTerms, _ batch: Batch, _ ctx: TaskContext, _ exp: Experiment) throws {
        if let s = stability { terms.add("stability", try s.loss(student: terms.student, batch: batch, context: ctx, experiment: exp)) }
    }
}

/// A configuration mistake caught before training starts.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One-hot rows [B, N] for labels.
func oneHot(_ labels: [Int], classes n: Int) -> Tensor {
    let t = Tensor.zeros([labels.count, n])
    for (i, y) in labels.enumerated() where y >= 0 && y < n { t.data[i * n + y] = 1 }
    return t
}
