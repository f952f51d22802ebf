#ifndef FLNB_CKERNELS_H
#define FLNB_CKERNELS_H
// flnb's own numeric kernels in C (the GEMM). See gemm.c.

/// Instruction-set paths of the GEMM.
enum {
    FL_GEMM_NONE = 0,        ///< no kernel for this CPU: the caller falls back to OpenBLAS
    FL_GEMM_AVX2 = 1,        ///< 6×16 tiles, 256-bit FMA (Haswell, Zen and later)
    FL_GEMM_AVX512 = 2,      ///< 12×32 tiles, 512-bit FMA (Skylake-X, Ice Lake, Zen 4 and later)
    FL_GEMM_AVX2_WIDE = 3,   ///< the AVX-512 path's 12×32 tiling run with AVX2 instructions (tests)
};

/// The widest GEMM path this CPU and OS support (FL_GEMM_AVX512, FL_GEMM_AVX2 or FL_GEMM_NONE).
int fl_gemm_best_isa(void);

/// Whether `isa` can run on this CPU.
int fl_gemm_isa_supported(int isa);

/// Row-major C[m×n] = op(A)[m×k] · op(B)[k×n] (+ C when beta is 1; beta 0 ignores C's contents,
/// any other beta scales C first). Every element of C is one chain of fused multiply-adds over
/// k = 0, 1, …, k−1 in order, starting from beta·C (or 0): the result does not depend on the
/// path, the blocking, or how the caller splits C between threads. Single-threaded; uses
/// per-thread packing buffers. Returns 0, or −1 when `isa` is not supported or memory ran out
/// (C untouched).
int fl_sgemm(int isa, int transA, int transB, long m, long n, long k,
             const float *a, long lda, const float *b, long ldb,
             float beta, float *c, long ldc);

#endif
