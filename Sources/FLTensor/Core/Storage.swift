import Foundation

/// A cache of float buffers keyed by rounded capacity, so that the tensors of one training
/// step reuse the memory of the previous step instead of going back to `malloc` (large
/// allocations come from fresh `mmap`s and page-fault on first touch).
public final class BufferPool: @unchecked Sendable {
    public static let shared = BufferPool()

    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var lock = pthread_mutex_t()
    /// Bytes currently held in the cache (not in use by any tensor).
    public private(set) var cachedBytes = 0
    /// Bytes currently handed out to live tensors.
    public private(set) var liveBytes = 0
    /// The most bytes ever live at once.
    public private(set) var peakLiveBytes = 0
    /// Upper bound on cached (idle) bytes; beyond it released buffers go back to the system.
    public var cacheLimitBytes = 2 << 30

    init() { pthread_mutex_init(&lock, nil) }

    /// Rounds a request up to a size class: 64-element granules for small buffers, otherwise
    /// the next value with two significant bits (≤ 25 % waste) so steady-state shapes collide.
    @inline(__always)
    static func sizeClass(_ n: Int) -> Int {
        if n <= 64 { return 64 }
        let bits = Int.bitWidth - (n - 1).leadingZeroBitCount      // 2^bits >= n
        let quarter = 1 << max(bits - 3, 0)
        return (n + quarter - 1) / quarter * quarter
    }

    func acquire(_ count: Int) -> (UnsafeMutablePointer<Float>, Int) {
        let capacity = BufferPool.sizeClass(count)
        pthread_mutex_lock(&lock)
        if var list = free[capacity], let p = list.popLast() {
            free[capacity] = list
            cachedBytes -= capacity * 4
            liveBytes += capacity * 4
            peakLiveBytes = max(peakLiveBytes, liveBytes)
            pthread_mutex_unlock(&lock)
            return (p, capacity)
        }
        liveBytes += capacity * 4
        peakLiveBytes = max(peakLiveBytes, liveBytes)
        pthread_mutex_unlock(&lock)
        var raw: UnsafeMutableRawPointer?
        let rc = posix_memalign(&raw, 64, capacity * 4)
        guard rc == 0, let raw else { fatalError("flnb: out of memory allocating \(capacity * 4) bytes") }
        return (raw.bindMemory(to: Float.self, capacity: capacity), capacity)
    }

    func release(_ p: UnsafeMutablePointer<Float>, capacity: Int) {
        pthread_mutex_lock(&lock)
        liveBytes -= capacity * 4
        if cachedBytes + capacity * 4 <= cacheLimitBytes {
            free[capacity, default: []].append(p)
            cachedBytes += capacity * 4
            pthread_mutex_unlock(&lock)
            return
        }
        pthread_mutex_unlock(&lock)
        Foundation.free(p)
    }
}

/// The memory behind a tensor: a contiguous, 64-byte-aligned run of `Float`s.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    private let capacity: Int

    /// Uninitialized storage for `count` floats.
    public init(count: Int) {
        precondition(count >= 0, "negative storage size")
        let (p, c) = BufferPool.shared.acquire(max(count, 1))
        pointer = p
        capacity = c
        self.count = count
    }

    deinit { BufferPool.shared.release(pointer, capacity: capacity) }
}
