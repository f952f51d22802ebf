import Foundation
@preconcurrency import COpenBLAS

/// Row-major single-precision GEMM through OpenBLAS:
/// C[M×N] = alpha · op(A) · op(B) + beta · C, with op(A) M×K and op(B) K×N.
/// `lda`, `ldb`, `ldc` default to the packed row lengths.
///
/// OpenBLAS itself runs single-threaded (see `BLASThreading`); large products are split here
/// into independent column (or row) blocks, one per thread. OpenBLAS's own worker threads
/// spin with sched_yield between calls and fought our elementwise threads for the cores
/// (~15 % of a ResNet step went to sched_yield); owning the split removes them, and the
/// blocks are fixed by the shape, so results do not depend on scheduling.
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
    let threads = Parallel.threads
    let work = m * n * k
    if threads == 1 || work < BLASThreading.parallelThreshold || (n < 32 && m < 32) {
        sgemmSerial(transA, transB, m, n, k, alpha, a, la, b, lb, beta, c, lc)
        return
    }
    // Split the larger output dimension into equal blocks aligned to 16 (kernel tiles).
    let splitN = n >= m
    let dim = splitN ? n : m
    let parts = min(threads, max(1, dim / 16))
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
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(la), b, Int32(lb), beta, c, Int32(lc))
}

/// How GEMM work is threaded.
public enum BLASThreading {
    /// Below this many multiply-adds a product runs on the calling thread.
    nonisolated(unsafe) public static var parallelThreshold = 1 << 20
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
