import FLTensor

/// One pass over a set of training indices: the indices permuted by `RNG(seed:)`, cut into batches
/// of `batchSize` in that order, the last one partial. The trainer's epochs and every extra pass a
/// method makes (LwF's warm-up, LUCIR's balanced finetuning, X-DER's future-head updates) go
/// through it, so every epoch order in flnb is a pure function of (indices, seed): a restored
/// snapshot finds batch b of an epoch without replaying the ones before it.
public struct EpochOrder: Sendable {
    public let order: [Int]
    public let batchSize: Int

    public init(_ indices: [Int], seed: UInt64, batchSize: Int) {
        var r = RNG(seed: seed)
        order = r.permutation(indices.count).map { indices[$0] }
        self.batchSize = max(batchSize, 1)
    }

    public var batchCount: Int { (order.count + batchSize - 1) / batchSize }

    /// The indices of batch b.
    public func batch(_ b: Int) -> [Int] { Array(order[(b * batchSize)..<min(order.count, (b + 1) * batchSize)]) }
}
