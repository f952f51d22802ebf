import Foundation
@preconcurrency import COpenBLAS

/// Thread settings shared by our kernels and OpenBLAS. Our own parallel loops and OpenBLAS
/// never run at the same time (a GEMM is never issued from inside `Parallel.for`), so both
/// may use every thread without oversubscription.
public enum Parallel {
    nonisolated(unsafe) private static var _threads: Int = {
        // OpenBLAS runs on the calling thread; flnb splits large GEMMs itself (see sgemm).
        openblas_set_num_threads(1)
        return ProcessInfo.processInfo.activeProcessorCount
    }()

    /// Threads used by flnb's kernels (GEMM blocks included).
    public static var threads: Int {
        get { _threads }
        set { _threads = max(1, newValue) }
    }

    /// Marks threads whose kernels must stay on them (see `serially`).
    private static let serialKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "flnb: no thread-local key left")
        return key
    }()

    /// True on a thread that runs one share of a parallel region itself (a batch slice of an
    /// inference pass): loops started there run inline instead of opening a nested region.
    @inline(__always)
    static var isSerialHere: Bool { pthread_getspecific(serialKey) != nil }

    /// Runs `body` with every parallel loop it starts kept on the calling thread. Chunk
    /// boundaries never depend on threads, so the numbers are the same as in parallel.
    static func serially<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(serialKey)
        pthread_setspecific(serialKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(serialKey, previous) }
        return try body()
    }

    /// Runs `body(chunkIndex)` for `chunks` chunks, in parallel when `threads > 1`.
    /// Callers fix the chunks from the problem's shape alone (never from `threads`) and combine
    /// per-chunk results in chunk order, so the numbers are the same on any number of threads.
    @inline(__always)
    public static func forEach(_ chunks: Int, _ body: (Int) -> Void) {
        if chunks <= 0 { return }
        if chunks == 1 || _threads == 1 || isSerialHere {
            for i in 0..<chunks { body(i) }
            return
        }
        WorkerPool.shared.run(chunks: chunks, threads: _threads, body)
    }

    /// Most chunks `ranges` cuts a loop into, whatever the thread count: 8, what 2 threads cut
    /// before the chunks were fixed (4 a thread, so one that falls behind leaves its next chunk
    /// to the other), one each for 8 threads.
    public static let maxChunks = 8

    /// Splits 0..<count into ranges of at least `grain` elements (at most `maxChunks`) and runs
    /// them in parallel; a count below two grains runs inline on the calling thread. The ranges
    /// depend only on `count` and `grain`, never on the thread count, so a body that sums within
    /// its range gives the same numbers on any number of threads; threads only decide who runs
    /// which range.
    @inline(__always)
    public static func ranges(_ count: Int, grain: Int = 32_768, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = min(maxChunks, max(1, count / max(grain, 1)))
        if chunks == 1 { body(0..<count); return }
        let size = (count + chunks - 1) / chunks
        forEach(chunks) { c in
            let lo = c * size
            let hi = min(count, lo + size)
            if lo < hi { body(lo..<hi) }
        }
    }
}

/// Carries a value into a `@Sendable` closure when the caller guarantees the access pattern
/// (disjoint writes per chunk) is safe.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
