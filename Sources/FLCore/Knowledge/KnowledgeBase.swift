import Foundation
import FLTensor
import FLData

/// Summary statistics of a tensor, for printing knowledge.
public struct TensorStats: Sendable, CustomStringConvertible {
    public var count: Int, mean: Double, std: Double, min: Double, max: Double
    public init(_ t: Tensor) {
        count = t.count
        var s = 0.0, sq = 0.0, lo = Double.infinity, hi = -Double.infinity
        for i in 0..<t.count { let v = Double(t.data[i]); s += v; sq += v * v; lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
        let n = Double(Swift.max(t.count, 1))
        mean = s / n
        std = Swift.max(0, sq / n - mean * mean).squareRoot()
        min = t.count > 0 ? lo : 0; max = t.count > 0 ? hi : 0
    }
    public var description: String {
        String(format: "mean %.4g · std %.4g · min %.4g · max %.4g", mean, std, min, max)
    }
}

/// A knowledge base as a first-class value: the stable one (SKB: what the baseline keeps —
/// the old model, the buffer, old parameters with their Fisher) or the plastic one (PKB: what
/// Phase 1 produced — the primary model, or primary parameters with their Fisher).
public final class KnowledgeBase: @unchecked Sendable {
    public enum Kind: String, Sendable { case stable, plastic }
    public let kind: Kind
    public unowned let experiment: Experiment

    public init(kind: Kind, experiment: Experiment) { self.kind = kind; self.experiment = experiment }

    /// The model this knowledge base holds (θ*ₜ₋₁ or θₚ), if any.
    public var model: Network? { kind == .stable ? experiment.oldModel : experiment.primaryModel }
    /// The buffer (stable knowledge only).
    public var buffer: ReplayBuffer? { kind == .stable ? experiment.buffer : nil }
    /// The regularizer reading this knowledge.
    public var regularizer: Regularizer? { kind == .stable ? experiment.strategy.stability : experiment.flashback?.plasticity }

    /// Whether anything is held yet.
    public var isEmpty: Bool {
        model == nil && (buffer?.isEmpty ?? true) && (regularizer?.knowledgeTensors.isEmpty ?? true)
    }

    /// Bytes held: model parameters and buffers, buffer entries, regularizer tensors.
    public var memoryBytes: Int {
        (model?.memoryBytes ?? 0) + (buffer?.memoryBytes ?? 0) + (regularizer?.knowledgeTensors.reduce(0) { $0 + $1.1.count * 4 } ?? 0)
    }

    /// Training indices of the current task (the probe set for logits and features).
    public func probeIndices(limit: Int = 512) -> [Int] {
        let t = min(experiment.cursor.task, experiment.geometry.tasks - 1)
        return Array(experiment.data.trainIndices(task: t).prefix(limit))
    }

    /// The held model's logits on the current task's (non-augmented) training images.
    public func logits(limit: Int = 512) throws -> Tensor? {
        guard let m = model else { return nil }
        let x = experiment.data.trainImages(probeIndices(limit: limit), augmentationSeed: nil)
        return try noGrad { try m(x) }
    }

    /// The held model's features on the current task's training images.
    public func features(limit: Int = 512) throws -> Tensor? {
        guard let m = model else { return nil }
        let x = experiment.data.trainImages(probeIndices(limit: limit), augmentationSeed: nil)
        return try noGrad { try m.inferFeatures(x) }
    }

    /// Fisher tensors, when the regularizer is parameter importance.
    public var fisher: [Tensor]? { (regularizer as? ParameterImportance).flatMap { $0.hasKnowledge ? $0.fisher : nil } }

    /// A multi-line summary: kind, what it holds, shapes, per-class counts, statistics, memory.
    public func summaryLines() -> [String] {
        let title = kind == .stable ? "SKB (stable knowledge base)" : "PKB (plastic knowledge base)"
        var lines = [title]
        if let r = regularizer { lines.append("  term: \(r.description)") }
        if let m = model {
            lines.append("  model: \(m.summary) · \(m.parameterCount) parameters · \(kind == .stable ? "θ*ₜ₋₁ (old model)" : "θₚ (primary model)"), frozen, \(m.isTraining ? "train" : "eval") mode")
            if let z = try? logits(limit: 256) {
                let ctx = experiment.context()
                lines.append("  logits on \(z.shape[0]) samples of task \(ctx.task): \(TensorStats(z))")
            }
        }
        if let b = buffer {
            lines.append("  buffer: \(b.count)/\(b.capacity) samples · \(b.policy.rawValue)\(b.logits != nil ? " · with logits" : "")")
            let h = b.classHistogram().sorted { $0.key < $1.key }
            if !h.isEmpty { lines.append("  per class: " + h.map { "\($0.key):\($0.value)" }.joined(separator: " ")) }
            if let l = b.logitRows(Array(0..<b.count)), b.count > 0 { lines.append("  stored logits: \(TensorStats(l))") }
        }
        if let r = regularizer as? ParameterImportance, r.hasKnowledge {
            let total = r.fisher.reduce(0.0) { acc, f in acc + (0..<f.count).reduce(0.0) { $0 + Double(f.data[$1]) } }
            let mx = r.fisher.map { Double($0.maxValue()) }.max() ?? 0
            lines.append("  fisher: \(r.fisher.count) tensors · \(r.fisherSamples) samples · sum \(String(format: "%.4g", total)) · max \(String(format: "%.4g", mx))")
        }
        if isEmpty { lines.append("  (empty: nothing collected yet)") }
        lines.append("  memory: \(formatBytes(memoryBytes))")
        return lines
    }
}

/// "1.5 MB".
public func formatBytes(_ n: Int) -> String {
    let d = Double(n)
    if d >= 1_073_741_824 { return String(format: "%.2f GB", d / Double(1 << 30)) }
    if d >= 1_048_576 { return String(format: "%.1f MB", d / Double(1 << 20)) }
    if d >= 1024 { return String(format: "%.1f KB", d / Double(1 << 10)) }
    return "\(n) B"
}

extension Experiment {
    /// The stable knowledge base.
    public var skb: KnowledgeBase { KnowledgeBase(kind: .stable, experiment: self) }
    /// The plastic knowledge base.
    public var pkb: KnowledgeBase { KnowledgeBase(kind: .plastic, experiment: self) }
}
