import Foundation
@preconcurrency import COpenBLAS
import CKernels

/// Which GEMM runs every product: flnb's own kernels (Sources/CKernels/gemm.c) or OpenBLAS.
///
/// flnb's kernels compute every element of C as one chain of fused multiply-adds over k in
/// order, so `avx2` and `avx512` give the same bits — a notebook recorded on a host with
/// AVX-512 checks on one without — and so does any split of C between threads. OpenBLAS's
/// results depend on its kernel family (Haswell, Zen, SkylakeX) and on the shape of each call;
/// it stays as the fallback for CPUs without AVX2 + FMA and as a yardstick.
public enum GEMMPath: String, CaseIterable, Sendable {
    /// 12×32 tiles, AVX-512.
    case avx512
    /// 6×16 tiles, AVX2 + FMA.
    case avx2
    /// The AVX-512 path's 12×32 tiling run with AVX2 instructions: tests the wide blocking
    /// bit for bit on hosts without AVX-512 (slow; not for real work).
    case avx2Wide = "avx2-wide"
    /// OpenBLAS's `cblas_sgemm`.
    case blas

    var isa: Int32 {
        switch self {
        case .avx512: return Int32(FL_GEMM_AVX512)
        case .avx2: return Int32(FL_GEMM_AVX2)
        case .avx2Wide: return Int32(FL_GEMM_AVX2_WIDE)
        case .blas: return Int32(FL_GEMM_NONE)
        }
    }

    /// Whether this CPU can run the path.
    public var isSupported: Bool { self == .blas || fl_gemm_isa_supported(isa) != 0 }

    /// The fastest path this CPU supports: AVX-512, else AVX2, else OpenBLAS.
    public static var best: GEMMPath {
        switch Int(fl_gemm_best_isa()) {
        case Int(FL_GEMM_AVX512): return .avx512
        case Int(FL_GEMM_AVX2): return .avx2
        default: return .blas
        }
    }

    /// The path `FLNB_ISA` names (`auto`, `avx512`, `avx2`, `avx2-wide` or `blas`; unset is
    /// `auto`), or an error saying what is wrong with it.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> GEMMPath {
        guard let raw = env["FLNB_ISA"], !raw.isEmpty, raw != "auto" else { return best }
        guard let path = GEMMPath(rawValue: raw.lowercased()) else {
            throw TensorError("FLNB_ISA=\(raw) is not a GEMM path; use auto, avx512, avx2, avx2-wide or blas")
        }
        guard path.isSupported else {
            throw TensorError("FLNB_ISA=\(raw): this CPU lacks \(path == .avx512 ? "AVX-512F" : "AVX2 and FMA"); use auto, \(best.rawValue) or blas")
        }
        return path
    }

    /// The path every product takes: `FLNB_ISA`'s, read once (the best one when it is unset or
    /// wrong; flnb's entry point reports a wrong value before anything runs). Tests set it.
    nonisolated(unsafe) public static var current: GEMMPath = (try? fromEnvironment()) ?? best

    /// One line for reports: the path and how it was chosen.
    public static var description: String {
        let forced = ProcessInfo.processInfo.environment["FLNB_ISA"].map { !$0.isEmpty && $0 != "auto" } ?? false
        let name = current == .blas ? "OpenBLAS \(BLASInfo.coreName)" : "flnb \(current.rawValue)"
        return "GEMM \(name) (\(forced ? "FLNB_ISA" : "auto"))"
    }
}

/// Row-major single-precision GEMM: C[M×N] = alpha · op(A) · op(B) + beta · C, with op(A) M×K
/// and op(B) K×N. `lda`, `ldb`, `ldc` default to the packed row lengths. It runs on
/// `GEMMPath.current` (OpenBLAS for alpha ≠ 1, which no caller uses).
///
/// Both paths run single-threaded inside; large products are split here into independent
/// column (or row) blocks run over flnb's worker pool. OpenBLAS's own worker threads spin with
/// sched_yield between calls and fought our elementwise threads for the cores (~15 % of a ResNet
/// step went to sched_yield); owning the split removes them.
///
/// On flnb's kernels a block's elements have the same bits whatever the split, so a product
/// takes one block per thread. OpenBLAS's value for an element depends on the shape of the
/// call it falls in, so there the blocks depend only on the product's shape
/// (`BLASThreading.gemmParts`), never on the thread count, and the product has the same bits
/// on 1, 2 or 8 threads (one thread runs the blocks in turn).
@inline(__always)
public func sgemm(transA: Bool = false, transB: Bool = false,
                  m: Int, n: Int, k: Int,
                  alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int? = nil,
                  b: UnsafePointer<Float>, ldb: Int? = nil,
                  beta: Float = 0,
                  c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
    if m == 0 || n == 0 { return }
    let lc = ldc ?? n
    if k == 0 {
        for i in 0..<m {
            let row = c + i * lc
            if beta == 0 { row.update(repeating: 0, count: n) } else if beta != 1 { for j in 0..<n { row[j] *= beta } }
        }
        return
    }
    let la = lda ?? (transA ? m : k)
    let lb = ldb ?? (transB ? k : n)
    let splitN = n >= m
    let dim = splitN ? n : m
    let parts = BLASThreading.gemmParts(m: m, n: n, k: k, path: GEMMPath.current)
    if parts == 1 {
        sgemmSerial(transA, transB, m, n, k, alpha, a, la, b, lb, beta, c, lc)
        return
    }
    // Equal blocks of the larger output dimension, aligned to 16 (kernel tiles).
    let block = ((dim + parts - 1) / parts + 15) / 16 * 16
    Parallel.forEach(parts) { p in
        let lo = p * block
        let hi = min(dim, lo + block)
        guard lo < hi else { return }
        if splitN {
            // Columns lo..<hi of C and of op(B).
            let bp = transB ? b + lo * lb : b + lo
            sgemmSerial(transA, transB, m, hi - lo, k, alpha, a, la, bp, lb, beta, c + lo, lc)
        } else {
            // Rows lo..<hi of C and of op(A).
            let ap = transA ? a + lo : a + lo * la
            sgemmSerial(transA, transB, hi - lo, n, k, alpha, ap, la, b, lb, beta, c + lo * lc, lc)
        }
    }
}

@inline(__always)
func sgemmSerial(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                 _ a: UnsafePointer<Float>, _ la: Int, _ b: UnsafePointer<Float>, _ lb: Int,
                 _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ lc: Int) {
    // Reading the thread setting runs its one-time initializer, which pins OpenBLAS to one
    // thread: a GEMM issued before anything else read it ran on OpenBLAS's own threads, whose
    // split (and so the last bits) follows the core count. sgemm no longer reads the setting,
    // so the xder notebook failed its check when FLNB_THREADS was unset.
    _ = Parallel.threads
    let path = GEMMPath.current
    if path != .blas, alpha == 1,
       fl_sgemm(path.isa, ta ? 1 : 0, tb ? 1 : 0, m, n, k, a, la, b, lb, beta, c, lc) == 0 { return }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(la), b, Int32(lb), beta, c, Int32(lc))
}

/// How GEMM work is threaded.
public enum BLASThreading {
    /// Below this many multiply-adds a product runs on the calling thread.
    nonisolated(unsafe) public static var parallelThreshold = 1 << 20

    /// Blocks a product of this shape splits into (1: one call). A function of the shape only,
    /// so the numbers never depend on the thread count: products under `parallelThreshold`
    /// multiply-adds, or with both output sides under 32, stay whole; the others split their
    /// larger output side into `gemmSplitParts` equal blocks (multiples of 16).
    /// On flnb's own kernels, whose bits do not depend on the split, a product this large
    /// splits into one block per thread instead (at most one per 16 columns or rows).
    @inline(__always)
    public static func gemmParts(m: Int, n: Int, k: Int, path: GEMMPath = .blas) -> Int {
        if m * n * k < parallelThreshold || max(m, n) < 32 { return 1 }
        if path != .blas { return max(1, min(Parallel.threads, max(m, n) / 16)) }
        return gemmSplitParts
    }

    /// Blocks every split product is cut into, on any number of threads: 2, the split two
    /// threads used before it was fixed, so 2-thread numbers and speed are unchanged. More
    /// blocks cost here: 8 blocks of ≥ 256 columns (one thread running 4 of them) measured the
    /// small CNN's training ~7–10 % and its 1-thread evaluation up to ~35 % slower (each call
    /// packs the other operand again and runs narrower), so a machine with more than two cores
    /// runs each product on two of them; the loops (`Parallel.ranges`) and Winograd's 16 GEMMs
    /// still use every thread.
    public static let gemmSplitParts = 2

    /// Whether a linear layer's products are split by the weight's rows (see `weightRowBlocks`).
    nonisolated(unsafe) public static var weightRowAffinity = true

    /// Largest share of one weight matrix, in bytes, that a block keeps as its own (about half
    /// of a core's L2 here, so its rows and their gradient stay in it between steps).
    nonisolated(unsafe) public static var weightRowShareLimit = 256 * 1024

    /// Blocks a weight's rows are cut into (see `weightRowBlocks`); fixed, never the thread count.
    public static let weightRowParts = 2

    /// The blocks of a weight's rows (a linear layer's output features) that the threads own:
    /// the forward product, the weight gradient and the SGD update of a layer all split on
    /// these boundaries, so each thread reads and writes the same rows of W, dW and the
    /// momentum at every step and they never move between cores. Measured on the MLP
    /// (784-100-100-10, batch 128, 2 threads), interleaved A/B: +11 % train img/s in the VM's slow
    /// state (where moving data between the cores is expensive), −3 % in its fast state. One
    /// block (no ownership) when there are fewer than 16 rows a block, or a block would exceed
    /// `weightRowShareLimit` (a weight that does not stay in cache gains nothing, and each block
    /// then packs the whole input for its weight gradient: the CNN's 3136→512 layer lost ~3 %).
    ///
    /// Every block starts at a multiple of 16 rows (OpenBLAS's register tile along them), the cut
    /// nearest to an even share (100 rows: 48 + 52). The split changes the last bits of some
    /// products against one undivided call (OpenBLAS's value for an element depends on the block
    /// it falls in: ~4 % of a 128×100 output here, within 1e-6 relative), so the blocks are a
    /// function of the shape alone — `weightRowParts` of them on any number of threads (one
    /// thread runs both in turn) — and the numbers never depend on the thread count.
    public static func weightRowBlocks(rows: Int, columns: Int) -> [Range<Int>] {
        let parts = min(weightRowParts, rows / 16)
        guard parts > 1, 4 * rows * columns / parts <= weightRowShareLimit else { return [0..<rows] }
        // Cut i at the multiple of 16 nearest to i·rows/parts (90 rows: 48 + 42).
        let cuts = [0] + (1..<parts).map { i in (i * rows + parts * 8) / (parts * 16) * 16 } + [rows]
        return zip(cuts, cuts.dropFirst()).compactMap { $0 < $1 ? $0..<$1 : nil }
    }
}

/// What OpenBLAS reports about itself.
public enum BLASInfo {
    /// The kernel family OpenBLAS picked for this CPU (e.g. "Haswell", "Zen", "SkylakeX").
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }
    /// OpenBLAS's build configuration string.
    public static var config: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }
}
