import Foundation
import Synchronization
@preconcurrency import COpenBLAS

/// A small pool of persistent worker threads for flnb's parallel loops.
///
/// Dispatching through GCD cost 5–20 µs per parallel region, which is a large share of a
/// small model's step (the MLP runs ~10 regions in well under a millisecond). Workers here
/// spin briefly on an atomic job counter after each region, so the next region starts in
/// well under a microsecond, and then sleep on a condition variable so an idle flnb uses no
/// CPU. Chunks are claimed dynamically but their boundaries are fixed by the caller, so
/// results do not depend on which thread ran which chunk.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(workers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    private let workerCount: Int
    /// Odd while a region is open, even while the caller sets the next one up or has none:
    /// bumped once to open a region and once to close it. A worker joins only the open region
    /// it saw, so one delayed between seeing a region and joining it cannot wander into the
    /// next region while the caller is still resetting the counters.
    private let generation = Atomic<Int>(0)
    /// Next chunk to claim in the current region.
    private let nextChunk = Atomic<Int>(0)
    /// Chunks finished in the current region.
    private let doneChunks = Atomic<Int>(0)
    /// Workers currently inside a region (the caller waits for them to leave before reusing state).
    private let activeWorkers = Atomic<Int>(0)
    nonisolated(unsafe) private var chunkCount = 0
    nonisolated(unsafe) private var body: ((Int) -> Void)?
    /// Threads allowed to join the current region (the caller counts as one).
    nonisolated(unsafe) private var allowedWorkers = 0
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private let sleepers = Atomic<Int>(0)
    /// Serializes regions started from different threads.
    private var regionLock = pthread_mutex_t()

    init(workers: Int) {
        workerCount = workers
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
        pthread_mutex_init(&regionLock, nil)
        for i in 0..<workers {
            let t = Thread { [unowned self] in self.workerLoop(index: i) }
            t.name = "flnb-worker-\(i)"
            t.stackSize = 1 << 20
            t.start()
        }
    }

    private func workerLoop(index: Int) {
        var seen = 0
        while true {
            // Spin a little for the next region, then sleep.
            var spins = 0
            var g = generation.load(ordering: .acquiring)
            while g == seen {
                spins += 1
                flnb_cpu_relax()
                // A spin is one PAUSE (≈ 28 ns on this Zen VM, 10–140 cycles elsewhere).
                if spins < 4_000 {
                    // Busy wait (~100 µs), then yield now and then so a loaded machine is not starved.
                    if spins > 1_000 && spins & 15 == 0 { sched_yield() }
                } else {
                    pthread_mutex_lock(&mutex)
                    sleepers.add(1, ordering: .relaxed)
                    while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(&cond, &mutex) }
                    sleepers.subtract(1, ordering: .relaxed)
                    pthread_mutex_unlock(&mutex)
                    spins = 0
                }
                g = generation.load(ordering: .acquiring)
            }
            seen = g
            if g & 1 == 0 || index >= allowedWorkers { continue }
            activeWorkers.add(1, ordering: .acquiringAndReleasing)
            if generation.load(ordering: .acquiring) == seen, let b = body {
                runChunks(b)
            }
            activeWorkers.subtract(1, ordering: .acquiringAndReleasing)
        }
    }

    @inline(__always)
    private func runChunks(_ b: (Int) -> Void) {
        let n = chunkCount
        while true {
            let c = nextChunk.add(1, ordering: .acquiringAndReleasing).oldValue
            if c >= n { break }
            b(c)
            doneChunks.add(1, ordering: .acquiringAndReleasing)
        }
    }

    /// Runs body(0..<chunks) on up to `threads` threads (the caller included) and returns
    /// when every chunk is done.
    func run(chunks: Int, threads: Int, _ b: (Int) -> Void) {
        if chunks <= 0 { return }
        let helpers = min(workerCount, threads - 1, chunks - 1)
        if helpers <= 0 { for i in 0..<chunks { b(i) }; return }
        pthread_mutex_lock(&regionLock)
        defer { pthread_mutex_unlock(&regionLock) }
        withoutActuallyEscaping(b) { eb in
            chunkCount = chunks
            body = eb
            allowedWorkers = helpers
            nextChunk.store(0, ordering: .releasing)
            doneChunks.store(0, ordering: .releasing)
            generation.add(1, ordering: .acquiringAndReleasing)
            if sleepers.load(ordering: .relaxed) > 0 {
                pthread_mutex_lock(&mutex)
                pthread_cond_broadcast(&cond)
                pthread_mutex_unlock(&mutex)
            }
            runChunks(eb)
            // Wait for the chunks other threads claimed; yield when they take long so a busy
            // machine can run the worker that holds them.
            var spins = 0
            while doneChunks.load(ordering: .acquiring) < chunks { spins += 1; flnb_cpu_relax(); if spins > 2_000 { sched_yield() } }
            // Close the region (generation even again), then every worker that joined it must
            // leave before the body goes out of scope and the state is reused.
            generation.add(1, ordering: .acquiringAndReleasing)
            body = nil
            spins = 0
            while activeWorkers.load(ordering: .acquiring) > 0 { spins += 1; flnb_cpu_relax(); if spins > 2_000 { sched_yield() } }
        }
    }
}
