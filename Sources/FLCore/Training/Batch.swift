import FLTensor
import FLData

/// Which half of a task's training is running.
public enum Phase: String, Codable, Sendable, CaseIterable {
    /// Phase 1: the unmodified baseline from θ*ₜ₋₁ (for task 0, the only phase).
    case primary
    /// Phase 2 of Flashback: back at θ*ₜ₋₁, baseline loss + α_p · plastic term.
    case flashback
}

/// One mini-batch as strategies see it.
public struct Batch {
    /// Augmented, normalized inputs [B, C, H, W].
    public var inputs: Tensor
    /// Class labels in the benchmark's class order (task t holds [offset_t, offset_t + size_t)).
    public var labels: [Int]
    /// Non-augmented, normalized inputs (what buffers keep); nil when not needed.
    public var raw: Tensor?
    /// Indices into the benchmark's training set.
    public var indices: [Int]
    /// The task the batch is trained in.
    public var task: Int
    /// Logits stored with buffer samples, when the batch comes from a buffer.
    public var logits: Tensor?

    public init(inputs: Tensor, labels: [Int], raw: Tensor? = nil, indices: [Int] = [], task: Int, logits: Tensor? = nil) {
        self.inputs = inputs; self.labels = labels; self.raw = raw; self.indices = indices; self.task = task; self.logits = logits
    }
    public var count: Int { labels.count }
}

/// Where in the benchmark training is: task t, p = old classes, a = classes seen so far.
public struct TaskContext: Sendable {
    public let task: Int
    public let geometry: TaskGeometry
    public let phase: Phase
    public let epoch: Int
    /// p: classes of tasks before t.
    public var oldClasses: Int { geometry.offset(ofTask: task) }
    /// a: classes of tasks up to and including t.
    public var seenClasses: Int { geometry.offset(ofTask: task) + geometry.size(ofTask: task) }
    /// N: every output column.
    public var totalClasses: Int { geometry.totalClasses }
    /// Columns of the current task, [p, a).
    public var newClasses: Range<Int> { oldClasses..<seenClasses }
    public init(task: Int, geometry: TaskGeometry, phase: Phase = .primary, epoch: Int = 0) {
        self.task = task; self.geometry = geometry; self.phase = phase; self.epoch = epoch
    }
}

/// What the engine needs from a benchmark: per-task index lists and image gathering.
/// FLData's benchmarks conform through an adapter; tests use small in-memory sets.
public protocol ContinualData: AnyObject {
    var name: String { get }
    var geometry: TaskGeometry { get }
    /// [C, H, W].
    var inputShape: [Int] { get }
    func trainIndices(task: Int) -> [Int]
    func testIndices(task: Int) -> [Int]
    func trainLabel(_ index: Int) -> Int
    func testLabel(_ index: Int) -> Int
    /// Normalized training images; augmented (deterministically from the seed) when a seed is given.
    func trainImages(_ indices: [Int], augmentationSeed: UInt64?) -> Tensor
    /// Normalized test images.
    func testImages(_ indices: [Int]) -> Tensor
}

extension ContinualData {
    public func trainLabels(_ idx: [Int]) -> [Int] { idx.map(trainLabel) }
    public func testLabels(_ idx: [Int]) -> [Int] { idx.map(testLabel) }
}
