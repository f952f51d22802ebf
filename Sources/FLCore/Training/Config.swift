import Foundation
import FLTensor
import FLData

/// Optimization and schedule settings of a run (FLASHBACK.md §1, §6).
public struct ExperimentConfig: Codable, Equatable, Sendable {
    public var lr: Float = 0.1
    public var momentum: Float = 0
    public var weightDecay: Float = 0
    public var batchSize = 32
    /// Replay batch size (buffer draws); defaults to the batch size.
    public var replayBatchSize: Int? = nil
    /// Epochs of task 0 (epoch_base) and of Phase 1 for t ≥ 1 (epoch_cl).
    public var epochsBase = 1
    public var epochsCL = 1
    /// MultiStepLR milestones of task 0 (sch0) and of Phase 1 for t ≥ 1 (sch).
    public var milestonesBase: [Int] = []
    public var milestonesCL: [Int] = []
    public var gamma: Float = 0.1
    public var seed: UInt64 = 0
    public var evalBatchSize = 256
    /// Reproduce the reference's reuse of the previous phase's optimizer in Phase 1 (t ≥ 1);
    /// by default each phase starts a fresh optimizer (*intended*).
    public var carryOverOptimizer = false
    /// Replayed buffer samples get the dataset's train augmentation.
    public var augmentsReplay = true
    /// Buffer size used when a replay regularizer is swapped into a run without a buffer.
    public var defaultBufferSize = 500

    public init() {}
    public var minibatchSize: Int { replayBatchSize ?? batchSize }

    /// Checks values a user can get wrong.
    public func validate() throws {
        if !(lr > 0) { throw ConfigurationError("lr must be positive (got \(lr))") }
        if momentum < 0 || momentum >= 1 { throw ConfigurationError("momentum must be in [0, 1) (got \(momentum))") }
        if weightDecay < 0 { throw ConfigurationError("weight decay must be ≥ 0 (got \(weightDecay))") }
        if batchSize < 1 { throw ConfigurationError("batch size must be at least 1 (got \(batchSize))") }
        if let r = replayBatchSize, r < 1 { throw ConfigurationError("minibatch size must be at least 1 (got \(r))") }
        if epochsBase < 0 || epochsCL < 0 { throw ConfigurationError("epochs must be ≥ 0 (got \(epochsBase), \(epochsCL))") }
        if evalBatchSize < 1 { throw ConfigurationError("eval batch size must be at least 1") }
    }
}
