import Foundation
import FLTensor

/// One batch from a `BatchLoader`.
public struct DataBatch: Sendable {
    /// Normalized (and, for training loaders, augmented) images [B, C, H, W].
    public let inputs: Tensor
    /// The labels (relabelled classes when the set comes from a `Benchmark`).
    public let labels: [Int]
    /// The same images normalized but not augmented — what replay buffers store. The very same
    /// tensor as `inputs` when the loader does not augment.
    public let plainInputs: Tensor
    /// The images' indices in the loader's `ImageSet`.
    public let indices: [Int]
    /// The epoch and the batch's number within it.
    public let epoch: Int
    public let index: Int
}

/// Batches over a list of image indices: shuffled per epoch, augmented per batch, resumable.
///
/// Everything random is a pure function of (seed, epoch, batch): the order of epoch e is a
/// permutation from `SeedDerivation.rng(seed, 1, e)`, and the augmentation of batch b of epoch e
/// comes from `SeedDerivation.rng(seed, 2, e, b)`. So `batch(epoch: e, index: b)` equals the
/// b-th batch met while iterating epoch e, and a trainer restored from a snapshot taken after
/// any batch continues with exactly the batches it would have seen.
///
/// Batches hold `batchSize` images except the last, which keeps the remainder (count mod
/// batchSize) rather than dropping it, so every image is seen once per epoch.
public final class BatchLoader: @unchecked Sendable {
    /// Stream numbers under the loader seed (part of the reproducibility contract: never change).
    static let orderStream: UInt64 = 1
    static let augmentationStream: UInt64 = 2

    public let transform: ImageTransform
    /// The indices into `transform.images` this loader covers, in their given order.
    public let indices: [Int]
    public let batchSize: Int
    /// Whether each epoch visits the indices in a fresh random order.
    public let shuffle: Bool
    /// Whether `inputs` are augmented (training) or equal to `plainInputs` (evaluation).
    public let augment: Bool
    public let seed: UInt64

    private let lock = NSLock()
    private var cachedOrder: (epoch: Int, order: [Int])?

    public init(transform: ImageTransform, indices: [Int], batchSize: Int, shuffle: Bool, augment: Bool, seed: UInt64) {
        precondition(batchSize > 0, "batch size must be positive")
        self.transform = transform
        self.indices = indices
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.augment = augment && !transform.augmentation.isIdentity
        self.seed = seed
    }

    /// Number of images per epoch.
    public var count: Int { indices.count }
    /// Batches per epoch, the last one possibly partial.
    public var batchCount: Int { (indices.count + batchSize - 1) / batchSize }

    /// The dataset indices in the order epoch `epoch` visits them.
    public func order(epoch: Int) -> [Int] {
        guard shuffle else { return indices }
        lock.lock()
        defer { lock.unlock() }
        if let cached = cachedOrder, cached.epoch == epoch { return cached.order }
        var rng = SeedDerivation.rng(seed, BatchLoader.orderStream, UInt64(bitPattern: Int64(epoch)))
        var order = indices
        rng.shuffle(&order)
        cachedOrder = (epoch, order)
        return order
    }

    /// Batch `index` of epoch `epoch`, computed directly (no need to produce the batches before it).
    public func batch(epoch: Int, index: Int) -> DataBatch {
        precondition(index >= 0 && index < batchCount, "batch \(index) outside 0..<\(batchCount)")
        let order = order(epoch: epoch)
        let members = Array(order[(index * batchSize)..<min(order.count, (index + 1) * batchSize)])
        return makeBatch(members, epoch: epoch, index: index)
    }

    /// The batches of one epoch from batch `start` on (to resume mid-epoch).
    public func batches(epoch: Int, startingAt start: Int = 0) -> EpochBatches {
        EpochBatches(loader: self, epoch: epoch, position: start)
    }

    private func makeBatch(_ members: [Int], epoch: Int, index: Int) -> DataBatch {
        let labels = members.map { transform.images.labels[$0] }
        let plain = transform.gather(members)
        var inputs = plain
        if augment {
            var rng = SeedDerivation.rng(seed, BatchLoader.augmentationStream, UInt64(bitPattern: Int64(epoch)), UInt64(index))
            inputs = transform.gather(members, draws: transform.draws(count: members.count, rng: &rng))
        }
        return DataBatch(inputs: inputs, labels: labels, plainInputs: plain, indices: members, epoch: epoch, index: index)
    }

    /// The batches of one epoch, in order.
    public struct EpochBatches: Sequence, IteratorProtocol {
        let loader: BatchLoader
        let epoch: Int
        var position: Int

        public mutating func next() -> DataBatch? {
            guard position < loader.batchCount else { return nil }
            defer { position += 1 }
            return loader.batch(epoch: epoch, index: position)
        }
    }
}
