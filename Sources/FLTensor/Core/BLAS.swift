import Foundation
@preconcurrency import COpenBLAS

/// Row-major single-precision GEMM through OpenBLAS:
/// C[M×N] = alpha · op(A) · op(B) + beta · C, with op(A) M×K and op(B) K×N.
/// `lda`, `ldb`, `ldc` default to the packed row lengths.
@inline(__always)
public func sgemm(transA: Bool = false, transB: Bool = false,
                  m: Int, n: Int, k: Int,
                  alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int? = nil,
                  b: UnsafePointer<Float>, ldb: Int? = nil,
                  beta: Float = 0,
                  c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { c.update(repeating: 0, count: m * (ldc ?? n)) }
        else if beta != 1 { for i in 0..<(m * (ldc ?? n)) { c[i] *= beta } }
        return
    }
    let la = lda ?? (transA ? m : k)
    let lb = ldb ?? (transB ? k : n)
    let lc = ldc ?? n
    cblas_sgemm(CblasRowMajor,
                transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(la), b, Int32(lb), beta, c, Int32(lc))
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
