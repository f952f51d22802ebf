import Foundation
import FLTensor
import FLData

/// How a buffer chooses what to keep.
public enum BufferPolicy: String, Codable, Sendable {
    /// Reservoir sampling over the stream (DER, DER++).
    case reservoir
    /// Class-balanced exemplar sets in herding order (iCaRL, LUCIR).
    case herding
    /// Class-balanced sets filled at the end of each task (X-DER).
    case classBalanced = "class_balanced"
}

/// A replay memory. Each entry is a training-set index (the non-augmented image is one gather
/// away, so replayed samples get exactly the dataset's own augmentation), its label, the task
/// it was stored in, and optional logits over all N classes.
public final class ReplayBuffer: @unchecked Sendable {
    public let capacity: Int
    public let policy: BufferPolicy
    public private(set) var indices: [Int] = []
    public private(set) var labels: [Int] = []
    public private(set) var tasks: [Int] = []
    /// Stored logits, one row per entry ([capacity, N]); nil when the method keeps none.
    public private(set) var logits: Tensor?
    /// Stream samples offered so far (reservoir).
    public private(set) var seen = 0
    /// How often each slot was drawn in the current task (X-DER's transplant probability).
    public var drawCounts: [Int] = []
    /// The buffer's own random stream (savable).
    public var rng: RNG

    public init(capacity: Int, policy: BufferPolicy, logitWidth: Int? = nil, seed: UInt64) {
        self.capacity = capacity; self.policy = policy
        self.rng = RNG(seed: seed)
        if let w = logitWidth { logits = Tensor.zeros([max(capacity, 1), w]) }
        drawCounts = Array(repeating: 0, count: capacity)
    }

    public var count: Int { indices.count }
    public var isEmpty: Bool { indices.isEmpty }
    public var logitWidth: Int? { logits?.shape[1] }

    /// Entries per class.
    public func classHistogram() -> [Int: Int] {
        var h: [Int: Int] = [:]
        for y in labels { h[y, default: 0] += 1 }
        return h
    }

    /// Reservoir insertion of stream samples (with their logits rows when given).
    public func addReservoir(indices idx: [Int], labels ys: [Int], task: Int, logits rows: Tensor? = nil) {
        for (k, (i, y)) in zip(idx, ys).enumerated() {
            var slot: Int? = nil
            if indices.count < capacity {
                slot = indices.count
                indices.append(i); labels.append(y); tasks.append(task)
            } else {
                let r = rng.int(below: seen + 1)
                if r < capacity { slot = r; indices[r] = i; labels[r] = y; tasks[r] = task }
            }
            seen += 1
            if let s = slot, let rows, let l = logits { copyRow(rows, k, into: l, s) }
        }
    }

    /// Appends entries (no policy); used by class-balanced fills. Ignores what does not fit.
    public func append(index: Int, label: Int, task: Int, logits row: Tensor? = nil, rowIndex: Int = 0) {
        guard indices.count < capacity else { return }
        let s = indices.count
        indices.append(index); labels.append(label); tasks.append(task)
        if let row, let l = logits { copyRow(row, rowIndex, into: l, s) }
    }

    /// Keeps the first `perClass` entries of every class, in stored order (herding order for
    /// herding buffers), and compacts the rest away.
    public func shrink(perClass: Int) {
        var kept: [Int: Int] = [:]
        var keep: [Int] = []
        for (s, y) in labels.enumerated() where kept[y, default: 0] < perClass {
            kept[y, default: 0] += 1
            keep.append(s)
        }
        select(keep)
    }

    /// Keeps only the given slots, in the given order.
    public func select(_ slots: [Int]) {
        let newLogits = logits.map { Tensor.zeros($0.shape) }
        if let l = logits, let n = newLogits { for (d, s) in slots.enumerated() { copyRow(l, s, into: n, d) } }
        indices = slots.map { indices[$0] }
        labels = slots.map { labels[$0] }
        tasks = slots.map { tasks[$0] }
        drawCounts = Array(repeating: 0, count: capacity)
        if let n = newLogits { logits = n }
    }

    /// Empties the buffer.
    public func removeAll() {
        indices = []; labels = []; tasks = []; seen = 0
        drawCounts = Array(repeating: 0, count: capacity)
        if let l = logits { l.fill(0) }
    }

    /// `n` distinct slots drawn uniformly (all of them, shuffled, when n ≥ count).
    public func sampleSlots(_ n: Int) -> [Int] {
        let m = indices.count
        if m == 0 { return [] }
        if n >= m { var all = Array(0..<m); rng.shuffle(&all); return all }
        // Partial Fisher–Yates.
        var pool = Array(0..<m)
        for i in 0..<n {
            let j = i + rng.int(below: m - i)
            pool.swapAt(i, j)
        }
        return Array(pool[0..<n])
    }

    /// Stored logits of the given slots [n, N].
    public func logitRows(_ slots: [Int]) -> Tensor? {
        guard let l = logits else { return nil }
        let w = l.shape[1]
        let out = Tensor.empty([slots.count, w])
        for (d, s) in slots.enumerated() { (out.data + d * w).update(from: l.data + s * w, count: w) }
        return out
    }

    /// Overwrites the stored logits of one slot.
    public func setLogits(slot: Int, from rows: Tensor, row: Int) {
        guard let l = logits else { return }
        copyRow(rows, row, into: l, slot)
    }

    /// Sets the task label of a slot (X-DER marks transplanted samples).
    public func setTask(slot: Int, _ t: Int) { tasks[slot] = t }

    /// Restores the whole state (snapshots).
    public func restore(indices: [Int], labels: [Int], tasks: [Int], logits: Tensor?, seen: Int, drawCounts: [Int], rng: RNG) {
        self.indices = indices; self.labels = labels; self.tasks = tasks
        if let l = logits { self.logits = l.clone() }
        self.seen = seen; self.drawCounts = drawCounts; self.rng = rng
    }

    private func copyRow(_ src: Tensor, _ r: Int, into dst: Tensor, _ d: Int) {
        let w = dst.shape[1]
        precondition(src.shape.last == w, "logit width \(src.shape) vs buffer \(dst.shape)")
        (dst.data + d * w).update(from: src.data + r * w, count: w)
    }

    /// Bytes held: the stored logits plus the index/label/task arrays.
    public var memoryBytes: Int { (logits?.count ?? 0) * 4 + indices.count * 3 * MemoryLayout<Int>.size }
}

/// iCaRL's herding: greedily picks m rows of `features` [n, d] so that the running mean of the
/// picks stays closest to the mean of all rows; no repeats. Returns the picks in order.
public func herdingSelection(features: Tensor, count m: Int) -> [Int] {
    let n = features.shape[0], d = features.shape[1]
    if n == 0 || m <= 0 { return [] }
    let f = features.data
    var mu = [Double](repeating: 0, count: d)
    for i in 0..<n { for j in 0..<d { mu[j] += Double(f[i * d + j]) } }
    for j in 0..<d { mu[j] /= Double(n) }
    var running = [Double](repeating: 0, count: d)
    var taken = [Bool](repeating: false, count: n)
    var picks: [Int] = []
    for k in 0..<min(m, n) {
        var best = -1
        var bestCost = Double.infinity
        for i in 0..<n where !taken[i] {
            var cost = 0.0
            for j in 0..<d {
                let diff = mu[j] - (running[j] + Double(f[i * d + j])) / Double(k + 1)
                cost += diff * diff
            }
            if cost < bestCost { bestCost = cost; best = i }
        }
        taken[best] = true
        picks.append(best)
        for j in 0..<d { running[j] += Double(f[best * d + j]) }
    }
    return picks
}
