import Foundation
import FLTensor
import FLData

/// The student's outputs on the current batch, computed once and shared by every loss term.
public struct StudentPass {
    public var logits: Tensor
    public var features: Tensor
    public init(logits: Tensor, features: Tensor) { self.logits = logits; self.features = features }
}

/// Where a regularizer's knowledge comes from.
public enum KnowledgeSource: String, Codable, Sendable {
    /// θ*ₜ₋₁, the model at the end of the previous task: the stable knowledge base.
    case old
    /// θₚ, the model Phase 1 produced: the plastic knowledge base.
    case primary
}

/// A loss term that pulls the model toward some knowledge: the stability term of a baseline
/// (toward the old model, the buffer, or old parameters) or the plasticity term of Flashback
/// (toward the primary model). Regularizers are values: a session can replace one between any
/// two steps; one that needs knowledge not yet collected builds it when attached and says so.
open class Regularizer: CustomStringConvertible, @unchecked Sendable {
    /// Registry key ("logit_distillation", "feature_distillation", "ewc", "logit_replay", …).
    open var kind: String { "regularizer" }
    /// Overall weight of the term.
    public var weight: Float
    /// Which model the term pulls toward.
    public var source: KnowledgeSource

    public init(weight: Float, source: KnowledgeSource) { self.weight = weight; self.source = source }

    /// Called when the regularizer is attached to a run (at creation or when swapped in).
    /// Returns a note for the user when it had to build knowledge.
    open func attach(to exp: Experiment) throws -> String? { nil }

    /// For a term distilling from θ*ₜ₋₁ swapped in after task 0 of a run that kept no old model:
    /// takes a copy of the current model as θ*, and says so.
    func keepOldModel(_ exp: Experiment) -> String? {
        guard source == .old && exp.oldModel == nil && exp.cursor.task > 0 else { return nil }
        exp.snapshotOldModel()
        return "\(kind): no old model was kept; using a copy of the current model as θ*"
    }

    /// The weighted loss on this batch, or nil when the term does not apply (e.g. task 0).
    open func loss(student: StudentPass, batch: Batch, context: TaskContext, experiment exp: Experiment) throws -> Tensor? { nil }

    /// Called at the end of each task (after the strategy's own end of task).
    open func endTask(context: TaskContext, experiment exp: Experiment) throws {}

    /// Called when the plastic knowledge base is built from the primary model.
    open func buildPlasticKnowledge(context: TaskContext, experiment exp: Experiment) throws {}

    /// Hyper-parameters, for printing, snapshots and notebooks.
    open var parameters: [(String, Double)] { [("weight", Double(weight))] }

    /// Text-valued settings (form, columns, schedule), for printing.
    open var textParameters: [(String, String)] { [] }

    /// Tensors this regularizer holds as knowledge (Fisher, anchors), for inspection and snapshots.
    open var knowledgeTensors: [(String, Tensor)] { [] }

    /// Restores knowledge tensors saved from `knowledgeTensors`.
    open func restoreKnowledge(_ tensors: [String: Tensor]) throws {}

    /// One line: "logit_distillation(weight: 1, source: old, …)".
    public var description: String {
        "\(kind)(" + (parameters.map { "\($0.0): \(formatNumber($0.1))" } + textParameters.map { "\($0.0): \"\($0.1)\"" }
                       + ["source: \(source.rawValue)"]).joined(separator: ", ") + ")"
    }

    /// The teacher model for this source, or nil when it does not exist yet.
    public func teacher(_ exp: Experiment) -> Network? {
        switch source {
        case .old: return exp.oldModel
        case .primary: return exp.primaryModel
        }
    }
}

/// "1", "0.5", "5e-05": short, round-trippable number text.
public func formatNumber(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
    var s = String(format: "%.6g", x)
    if s.contains("e") { s = s.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e+") }
    return s
}

/// A teacher's logits and features on inputs, in eval mode, without a graph.
func teacherPass(_ model: Network, _ x: Tensor) throws -> StudentPass {
    try noGrad {
        let (z, f) = try model.forwardWithFeatures(x)
        return StudentPass(logits: z, features: f)
    }
}
