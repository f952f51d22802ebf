import Foundation
import FLTensor
import FLData

/// What an experiment offers its strategies and regularizers.
extension Experiment {
    /// Replaces θ*ₜ₋₁ with a frozen, eval-mode copy of the current network.
    public func snapshotOldModel() {
        let m = net.copy() as! Network
        m.eval(); m.freeze()
        oldModel = m
    }

    /// Creates a buffer when a swapped-in regularizer needs one.
    public func ensureBuffer(policy: BufferPolicy, storesLogits: Bool) {
        guard buffer == nil else { return }
        buffer = ReplayBuffer(capacity: max(strategy.bufferSize, config.defaultBufferSize), policy: policy,
                              logitWidth: storesLogits ? geometry.totalClasses : nil, seed: deriveSeed(config.seed, 0xB0F))
    }

    /// The batches of one pass over `indices` in an order fixed by `seed` (see `EpochOrder`).
    public func batches(_ indices: [Int], seed: UInt64, augment: Bool, batchSize: Int? = nil) -> [Batch] {
        let pass = EpochOrder(indices, seed: seed, batchSize: batchSize ?? config.batchSize)
        return (0..<pass.batchCount).map { b in
            let idx = pass.batch(b)
            let x = data.trainImages(idx, augmentationSeed: augment ? deriveSeed(seed, UInt64(b)) : nil)
            return Batch(inputs: x, labels: data.trainLabels(idx), indices: idx, task: cursor.task)
        }
    }
}
