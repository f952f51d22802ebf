import Foundation
import FLTensor
import FLCore

/// A knowledge base (SKB or PKB) as a value: what it holds, shapes, counts, statistics, memory.
public final class KnowledgeBaseObject: ScriptObject {
    let kb: KnowledgeBase
    let spec: BackboneSpec
    init(_ kb: KnowledgeBase, spec: BackboneSpec) { self.kb = kb; self.spec = spec }

    public var typeName: String { kb.kind == .stable ? "skb" : "pkb" }
    public var typeSummary: String {
        kb.kind == .stable ? "The stable knowledge base: what the baseline keeps (old model, buffer, old parameters + Fisher)."
            : "The plastic knowledge base: what Phase 1 produced (the primary model, or its parameters + Fisher)."
    }
    public var description: String { kb.summaryLines().joined(separator: "\n") }
    public var members: [MemberInfo] {
        [MemberInfo("kind", "\"stable\" or \"plastic\""), MemberInfo("empty", "whether nothing is held yet"),
         MemberInfo("model", "the held model (θ*ₜ₋₁ or θₚ) or nil"), MemberInfo("buffer", "the replay buffer (SKB) or nil"),
         MemberInfo("term", "the regularizer reading this knowledge"), MemberInfo("logits", "the held model's logits on the current task's training images"),
         MemberInfo("features", "the held model's features on the same images"), MemberInfo("fisher", "Fisher tensors (EWC) or nil"),
         MemberInfo("memory", "bytes held"), MemberInfo("memory_text", "bytes held, readable")]
    }
    public func member(_ name: String) throws -> Value? {
        switch name {
        case "kind": return Value(kb.kind.rawValue)
        case "empty": return Value(kb.isEmpty)
        case "model": return kb.model.map { .object(ModelObject(network: $0, spec: spec)) } ?? .null
        case "buffer": return kb.buffer.map { .object(BufferObject($0, experiment: kb.experiment)) } ?? .null
        case "term": return kb.regularizer.map { .object(RegularizerObject($0)) } ?? .null
        case "logits": return try kb.logits().map { .object(TensorObject($0)) } ?? .null
        case "features": return try kb.features().map { .object(TensorObject($0)) } ?? .null
        case "fisher": return kb.fisher.map { Value($0.map { .object(TensorObject($0)) }) } ?? .null
        case "memory": return Value(kb.memoryBytes)
        case "memory_text": return Value(formatBytes(kb.memoryBytes))
        default: return nil
        }
    }
}

/// A replay buffer as a value.
public final class BufferObject: ScriptObject {
    let buffer: ReplayBuffer
    let experiment: Experiment
    init(_ b: ReplayBuffer, experiment: Experiment) { buffer = b; self.experiment = experiment }
    public var typeName: String { "buffer" }
    public var typeSummary: String { "A replay memory: training-set indices with labels, task ids and optional logits." }
    public var length: Int? { buffer.count }
    public var description: String {
        let h = buffer.classHistogram().sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")
        return "buffer: \(buffer.count)/\(buffer.capacity) samples · \(buffer.policy.rawValue)\(buffer.logits != nil ? " · with logits" : "")" +
            (h.isEmpty ? "" : "\n  per class: \(h)") + "\n  memory: \(formatBytes(buffer.memoryBytes))"
    }
    public var members: [MemberInfo] {
        [MemberInfo("count", "samples held"), MemberInfo("capacity", "maximum samples"), MemberInfo("policy", "reservoir, herding or class_balanced"),
         MemberInfo("labels", "class of each sample"), MemberInfo("tasks", "task id of each sample"), MemberInfo("indices", "training-set index of each sample"),
         MemberInfo("histogram", "samples per class (dict)"), MemberInfo("logits", "stored logits [count, N] or nil"),
         MemberInfo("images", "the samples' non-augmented images [count, C, H, W]"), MemberInfo("memory", "bytes held"),
         MemberInfo("memory_text", "bytes held, readable")]
    }
    public func member(_ name: String) throws -> Value? {
        let b = buffer
        switch name {
        case "count": return Value(b.count)
        case "capacity": return Value(b.capacity)
        case "policy": return Value(b.policy.rawValue)
        case "labels": return Value(b.labels.map { Value($0) })
        case "tasks": return Value(b.tasks.map { Value($0) })
        case "indices": return Value(b.indices.map { Value($0) })
        case "histogram":
            let d = ScriptDict()
            for (k, v) in b.classHistogram().sorted(by: { $0.key < $1.key }) { d[.number(Double(k))] = Value(v) }
            return .dict(d)
        case "logits": return b.logitRows(Array(0..<b.count)).map { .object(TensorObject($0)) } ?? .null
        case "images": return .object(TensorObject(experiment.data.trainImages(b.indices, augmentationSeed: nil)))
        case "memory": return Value(b.memoryBytes)
        case "memory_text": return Value(formatBytes(b.memoryBytes))
        default: return nil
        }
    }
}
