// flnb's single-precision GEMM: the BLIS structure (pack panels of A and B into cache-sized
// blocks, a register-blocked micro-kernel) with one AVX2 + FMA and one AVX-512 variant, chosen
// at run time.
//
// Bit-identical by construction. Every element of C is a single chain of fused multiply-adds
// over k in increasing order, starting from its initial value (0, C or beta·C): the
// micro-kernel loads the tile of C into its accumulators at the start of every k-block and
// stores it at the end, and a float stored and reloaded is the same float. Nothing else
// touches the sums — no partial sums added together, no reordering — so tile shape, vector
// width, k-blocking and the split of C between threads cannot change a bit. The AVX2 path
// (6×16 tiles) and the AVX-512 path (12×32) therefore agree exactly, and a notebook recorded
// on one host checks on the other. Edge panels are padded with zeros; the padded rows and columns
// are computed and thrown away, never reaching C.
//
// The kernels are written once, with clang's vector extensions, and instantiated per target
// through function attributes, so the package builds for baseline x86-64 and picks the path
// from CPUID at run time. FL_GEMM_AVX2_WIDE instantiates the AVX-512 path's tiling with AVX2
// instructions, so that a host without AVX-512 still tests the 12×32 blocking bit for bit.

#include "ckernels.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

typedef float v8f __attribute__((ext_vector_type(8), aligned(4)));
typedef float v16f __attribute__((ext_vector_type(16), aligned(4)));

// Cache blocking (tuned on Zen 3, 32 KiB L1d and 512 KiB L2 a core): a KC×NR panel of B
// (24 KiB at NR = 16) stays in L1 while the MC×KC block of A (144 KiB) stays in L2; a KC×NC
// block of B sits in L3. A product with at most MSMALL rows packs all of A at once and B in
// strips of NCHUNK columns, each used while still in L2 (the linear layers and the
// convolutions' im2col products, whose A is the batch or the filters). MC is a multiple of
// both paths' MR.
enum { KC = 384, MC = 96, NC = 4096, MSMALL = 192, NCHUNK = 256 };

// MARK: - CPU features

static int xcr0_has(unsigned mask) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & mask) == mask;
}

static int detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return FL_GEMM_NONE;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx) || !xcr0_has(0x6)) return FL_GEMM_NONE;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return FL_GEMM_NONE;
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    if (!avx2) return FL_GEMM_NONE;
    if (avx512f && xcr0_has(0xE6)) return FL_GEMM_AVX512;
    return FL_GEMM_AVX2;
}

int fl_gemm_best_isa(void) {
    static int best = -1;
    if (best < 0) best = detect();
    return best;
}

int fl_gemm_isa_supported(int isa) {
    int best = fl_gemm_best_isa();
    switch (isa) {
    case FL_GEMM_AVX2: case FL_GEMM_AVX2_WIDE: return best >= FL_GEMM_AVX2;
    case FL_GEMM_AVX512: return best == FL_GEMM_AVX512;
    default: return 0;
    }
}

// MARK: - Packing
//
// Packing only copies floats, so it cannot change a result; it is vectorized with AVX2 on
// both paths (every AVX-512 CPU has AVX2). Transposing copies go through 8×8 blocks.

#define AVX2 __attribute__((target("avx2,fma")))

// Rows r[0..7] (8 floats each) → columns: out[q] holds element q of every row.
AVX2 static inline void transpose8(v8f r[8]) {
    v8f t0 = __builtin_shufflevector(r[0], r[1], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t1 = __builtin_shufflevector(r[0], r[1], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f t2 = __builtin_shufflevector(r[2], r[3], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t3 = __builtin_shufflevector(r[2], r[3], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f t4 = __builtin_shufflevector(r[4], r[5], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t5 = __builtin_shufflevector(r[4], r[5], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f t6 = __builtin_shufflevector(r[6], r[7], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t7 = __builtin_shufflevector(r[6], r[7], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
    v8f u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
    v8f u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
    v8f u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
    r[0] = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);
    r[1] = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);
    r[2] = __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);
    r[3] = __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);
    r[4] = __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);
    r[5] = __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);
    r[6] = __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);
    r[7] = __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);
}

// dst[p·stride + off + j] = src[j·ld + p] for j < rows (≤ 8; the other lanes zero), p < kc.
// The stores write 8 lanes: lanes past `rows` land in the next group or p, which are written
// after them (callers go in increasing order, and buffers have 8 floats of slack).
AVX2 static void transpose_in(const float *src, long ld, int rows, long kc, float *dst,
                              long stride, long off) {
    long p = 0;
    for (; p + 8 <= kc; p += 8) {
        v8f r[8];
        for (int j = 0; j < 8; j++) r[j] = j < rows ? *(const v8f *)(src + j * ld + p) : (v8f)0.0f;
        transpose8(r);
        for (int q = 0; q < 8; q++) *(v8f *)(dst + (p + q) * stride + off) = r[q];
    }
    for (; p < kc; p++)
        for (int j = 0; j < 8; j++) dst[p * stride + off + j] = j < rows ? src[j * ld + p] : 0;
}

// A block (mc × kc of op(A), from row i0 and column p0) into panels of MR rows, k-major within a
// panel: panel[p·MR + i] = op(A)[i0 + i, p0 + p]. Rows past mc are zero.
AVX2 static void pack_a(int mr, int ta, const float *a, long lda, long i0, long p0, long mc, long kc,
                        float *restrict dst) {
    for (long ir = 0; ir < mc; ir += mr) {
        int rows = mc - ir < mr ? (int)(mc - ir) : mr;
        if (!ta) {
            // Rows of A are contiguous along k: transpose groups of 8 rows. The stores go in
            // increasing address order, so the lanes a store writes past the panel's MR rows
            // (zeros) are overwritten by the next store.
            const float *src = a + (i0 + ir) * lda + p0;
            long p = 0;
            for (; p + 8 <= kc; p += 8) {
                v8f r[2][8];  // mr ≤ 16: at most two groups
                for (int g = 0; g < mr; g += 8) {
                    for (int j = 0; j < 8; j++)
                        r[g / 8][j] = g + j < rows ? *(const v8f *)(src + (g + j) * lda + p) : (v8f)0.0f;
                    transpose8(r[g / 8]);
                }
                for (int q = 0; q < 8; q++)
                    for (int g = 0; g < mr; g += 8) *(v8f *)(dst + (p + q) * mr + g) = r[g / 8][q];
            }
            for (; p < kc; p++)
                for (int i = 0; i < mr; i++) dst[p * mr + i] = i < rows ? src[i * lda + p] : 0;
        } else {
            // Columns of op(A) are rows of the stored matrix: plain copies, 8 floats at a
            // time when the 8 lie inside the row (the lanes past MR are overwritten next).
            const float *src = a + p0 * lda + (i0 + ir);
            if (rows == mr && i0 + ir + 8 * ((mr + 7) / 8) <= lda) {
                for (long p = 0; p < kc; p++)
                    for (int i = 0; i < mr; i += 8) *(v8f *)(dst + p * mr + i) = *(const v8f *)(src + p * lda + i);
            } else {
                for (long p = 0; p < kc; p++) {
                    int i = 0;
                    for (; i < rows; i++) dst[p * mr + i] = src[p * lda + i];
                    for (; i < mr; i++) dst[p * mr + i] = 0;
                }
            }
        }
        dst += mr * kc;
    }
}

// B block (kc × nc of op(B), from row p0 and column j0) into panels of NR columns:
// panel[p·NR + j] = op(B)[p0 + p, j0 + j]. Columns past nc are zero.
AVX2 static void pack_b(int nr, int tb, const float *b, long ldb, long p0, long j0, long kc, long nc,
                        float *restrict dst) {
    long full = nc / nr * nr;  // columns in whole panels
    if (!tb) {
        // Row by row across all the whole panels, so B is read as long streams.
        const float *src = b + p0 * ldb + j0;
        for (long p = 0; p < kc; p++) {
            const float *row = src + p * ldb;
            float *out = dst + p * nr;
            if (nr == 16) {
                for (long jr = 0; jr < full; jr += 16, out += 16 * kc) {
                    v8f x0 = *(const v8f *)(row + jr), x1 = *(const v8f *)(row + jr + 8);
                    *(v8f *)out = x0;
                    *(v8f *)(out + 8) = x1;
                }
            } else {
                for (long jr = 0; jr < full; jr += 32, out += 32 * kc) {
                    v8f x0 = *(const v8f *)(row + jr), x1 = *(const v8f *)(row + jr + 8);
                    v8f x2 = *(const v8f *)(row + jr + 16), x3 = *(const v8f *)(row + jr + 24);
                    *(v8f *)out = x0;
                    *(v8f *)(out + 8) = x1;
                    *(v8f *)(out + 16) = x2;
                    *(v8f *)(out + 24) = x3;
                }
            }
        }
        if (full < nc) {
            int cols = (int)(nc - full);
            float *out = dst + full * kc;
            for (long p = 0; p < kc; p++) {
                int j = 0;
                for (; j < cols; j++) out[p * nr + j] = src[p * ldb + full + j];
                for (; j < nr; j++) out[p * nr + j] = 0;
            }
        }
        return;
    }
    for (long jr = 0; jr < nc; jr += nr) {
        int cols = nc - jr < nr ? (int)(nc - jr) : nr;
        // Columns of op(B) are rows of the stored matrix: transpose groups of 8.
        const float *src = b + (j0 + jr) * ldb + p0;
        for (int g = 0; g < nr; g += 8) {
            int rows = cols - g < 8 ? cols - g : 8;
            if (rows <= 0) {
                for (long p = 0; p < kc; p++) *(v8f *)(dst + p * nr + g) = (v8f)0.0f;
            } else {
                transpose_in(src + g * ldb, ldb, rows, kc, dst, nr, g);
            }
        }
        dst += nr * kc;
    }
}

// MARK: - Micro-kernels

// acc[i][j] (tile row i, vector j of NV) starts from C (load) or 0 and takes, for p in order,
// acc = fma(A[i,p], B[p, j-th vector], acc). The loops have constant bounds and unroll fully,
// so the accumulators live in registers. AS and BS are the packed panels' strides per p (the
// full tile's MR and NR): edge tiles run the kernel with fewer rows (MR) or vectors (NV) over
// the same panels, so no multiply-add is spent on padding.
#define FL_KERNEL(NAME, TARGET, VT, W, MR, NV, AS, BS)                                            \
    __attribute__((target(TARGET))) static void NAME(long kc, const float *restrict ap,          \
                                                     const float *restrict bp, float *c,         \
                                                     long ldc, int load) {                        \
        VT acc[MR][NV];                                                                            \
        _Pragma("clang loop unroll(full)") for (int i = 0; i < MR; i++)                           \
        _Pragma("clang loop unroll(full)") for (int j = 0; j < NV; j++)                           \
            acc[i][j] = load ? *(const VT *)(c + i * ldc + j * W) : (VT)0.0f;                      \
        for (long p = 0; p < kc; p++) {                                                           \
            VT bv[NV];                                                                             \
            _Pragma("clang loop unroll(full)") for (int j = 0; j < NV; j++)                       \
                bv[j] = *(const VT *)(bp + j * W);                                                 \
            _Pragma("clang loop unroll(full)") for (int i = 0; i < MR; i++) {                     \
                VT av = (VT)ap[i];                                                                 \
                _Pragma("clang loop unroll(full)") for (int j = 0; j < NV; j++)                   \
                    acc[i][j] = __builtin_elementwise_fma(av, bv[j], acc[i][j]);                   \
            }                                                                                      \
            ap += AS;                                                                              \
            bp += BS;                                                                              \
        }                                                                                          \
        _Pragma("clang loop unroll(full)") for (int i = 0; i < MR; i++)                           \
        _Pragma("clang loop unroll(full)") for (int j = 0; j < NV; j++)                           \
            *(VT *)(c + i * ldc + j * W) = acc[i][j];                                              \
    }

typedef void (*kernel_fn)(long, const float *, const float *, float *, long, int);

// Kernels by [rows − 1][vectors − 1] for each path.
#define FL_ROWS(P, T, VT, W, AS, BS, R)                                                             \
    FL_KERNEL(P##_##R##x1, T, VT, W, R, 1, AS, BS) FL_KERNEL(P##_##R##x2, T, VT, W, R, 2, AS, BS)
#define FL_ROW_ENTRY(P, R) { P##_##R##x1, P##_##R##x2 }

FL_ROWS(k8, "avx2,fma", v8f, 8, 6, 16, 1) FL_ROWS(k8, "avx2,fma", v8f, 8, 6, 16, 2)
FL_ROWS(k8, "avx2,fma", v8f, 8, 6, 16, 3) FL_ROWS(k8, "avx2,fma", v8f, 8, 6, 16, 4)
FL_ROWS(k8, "avx2,fma", v8f, 8, 6, 16, 5) FL_ROWS(k8, "avx2,fma", v8f, 8, 6, 16, 6)
static const kernel_fn kernels_avx2[6][2] = {
    FL_ROW_ENTRY(k8, 1), FL_ROW_ENTRY(k8, 2), FL_ROW_ENTRY(k8, 3),
    FL_ROW_ENTRY(k8, 4), FL_ROW_ENTRY(k8, 5), FL_ROW_ENTRY(k8, 6),
};

#define FL_WIDE_PATH(P, T)                                                                         \
    FL_ROWS(P, T, v16f, 16, 12, 32, 1) FL_ROWS(P, T, v16f, 16, 12, 32, 2)                         \
    FL_ROWS(P, T, v16f, 16, 12, 32, 3) FL_ROWS(P, T, v16f, 16, 12, 32, 4)                         \
    FL_ROWS(P, T, v16f, 16, 12, 32, 5) FL_ROWS(P, T, v16f, 16, 12, 32, 6)                         \
    FL_ROWS(P, T, v16f, 16, 12, 32, 7) FL_ROWS(P, T, v16f, 16, 12, 32, 8)                         \
    FL_ROWS(P, T, v16f, 16, 12, 32, 9) FL_ROWS(P, T, v16f, 16, 12, 32, 10)                        \
    FL_ROWS(P, T, v16f, 16, 12, 32, 11) FL_ROWS(P, T, v16f, 16, 12, 32, 12)                       \
    static const kernel_fn kernels_##P[12][2] = {                                                  \
        FL_ROW_ENTRY(P, 1), FL_ROW_ENTRY(P, 2), FL_ROW_ENTRY(P, 3), FL_ROW_ENTRY(P, 4),            \
        FL_ROW_ENTRY(P, 5), FL_ROW_ENTRY(P, 6), FL_ROW_ENTRY(P, 7), FL_ROW_ENTRY(P, 8),            \
        FL_ROW_ENTRY(P, 9), FL_ROW_ENTRY(P, 10), FL_ROW_ENTRY(P, 11), FL_ROW_ENTRY(P, 12),         \
    };

FL_WIDE_PATH(avx512, "avx512f")
FL_WIDE_PATH(avx2wide, "avx2,fma")

// MARK: - Driver

typedef struct { float *p; size_t n; } buffer;
static _Thread_local buffer buf_a, buf_b;

static float *reserve(buffer *b, size_t floats) {
    if (b->n >= floats) return b->p;
    free(b->p);
    b->p = aligned_alloc(64, ((floats + 16) * sizeof(float) + 63) / 64 * 64);  // + slack for packing's 8-lane stores
    b->n = b->p ? floats : 0;
    return b->p;
}

int fl_sgemm(int isa, int ta, int tb, long m, long n, long k,
             const float *a, long lda, const float *b, long ldb,
             float beta, float *c, long ldc) {
    if (!fl_gemm_isa_supported(isa)) return -1;
    if (m <= 0 || n <= 0) return 0;
    const kernel_fn (*kernels)[2];
    int mr, nr, w;
    switch (isa) {
    case FL_GEMM_AVX2: kernels = kernels_avx2; mr = 6; nr = 16; w = 8; break;
    case FL_GEMM_AVX512: kernels = kernels_avx512; mr = 12; nr = 32; w = 16; break;
    default: kernels = kernels_avx2wide; mr = 12; nr = 32; w = 16; break;
    }
    // A product with few rows packs all of them as one block of A, and each panel of B just
    // before its one use, while it is hot in L1 (no round trip of packed B through L3).
    long mcb = m <= MSMALL ? m : MC;
    int lazyB = m <= MSMALL;
    long kcMax = k < KC ? k : KC;
    long chunk = (NCHUNK + nr - 1) / nr * nr;
    long ncMax = lazyB ? chunk : (n < NC ? n : NC), mcMax = m < mcb ? m : mcb;
    float *pa = reserve(&buf_a, (size_t)((mcMax + mr - 1) / mr * mr * kcMax));
    float *pb = reserve(&buf_b, (size_t)((ncMax + nr - 1) / nr * nr * kcMax));
    if (!pa || !pb) return -1;

    // The start of every chain: 0, C, or beta·C.
    if (beta != 0 && beta != 1)
        for (long i = 0; i < m; i++) for (long j = 0; j < n; j++) c[i * ldc + j] *= beta;
    if (k <= 0) {
        if (beta == 0) for (long i = 0; i < m; i++) memset(c + i * ldc, 0, sizeof(float) * (size_t)n);
        return 0;
    }
    float edge[12 * 32] __attribute__((aligned(64)));

    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC;
            int load = pc > 0 || beta != 0;
            if (!lazyB) pack_b(nr, tb, b, ldb, pc, jc, kc, nc, pb);
            for (long ic = 0; ic < m; ic += mcb) {
                long mc = m - ic < mcb ? m - ic : mcb;
                pack_a(mr, ta, a, lda, ic, pc, mc, kc, pa);
                for (long jr = 0; jr < nc; jr += nr) {
                    long cols = nc - jr < nr ? nc - jr : nr;
                    const float *bpanel = pb + jr * kc;
                    if (lazyB) {
                        // A strip of panels at a time: wide enough that the rows of B are
                        // read as streams, small enough to stay in L2.
                        long strip = jr % chunk;
                        if (strip == 0) pack_b(nr, tb, b, ldb, pc, jc + jr, kc, nc - jr < chunk ? nc - jr : chunk, pb);
                        bpanel = pb + strip * kc;
                    }
                    for (long ir = 0; ir < mc; ir += mr) {
                        long rows = mc - ir < mr ? mc - ir : mr;
                        const float *apanel = pa + ir * kc;
                        float *ct = c + (ic + ir) * ldc + jc + jr;
                        long nv = (cols + w - 1) / w;
                        kernel_fn kernel = kernels[rows - 1][nv - 1];
                        if (cols == nv * w) {
                            kernel(kc, apanel, bpanel, ct, ldc, load);
                        } else {
                            // Columns that end inside a vector: through a scratch tile; only
                            // the valid columns go back to C.
                            if (load) {
                                memset(edge, 0, sizeof edge);
                                for (long i = 0; i < rows; i++)
                                    memcpy(edge + i * nr, ct + i * ldc, sizeof(float) * (size_t)cols);
                            }
                            kernel(kc, apanel, bpanel, edge, nr, load);
                            for (long i = 0; i < rows; i++)
                                memcpy(ct + i * ldc, edge + i * nr, sizeof(float) * (size_t)cols);
                        }
                    }
                }
            }
        }
    }
    return 0;
}

#else  // not x86-64: no kernels; flnb uses OpenBLAS.

int fl_gemm_best_isa(void) { return FL_GEMM_NONE; }
int fl_gemm_isa_supported(int isa) { (void)isa; return 0; }
int fl_sgemm(int isa, int ta, int tb, long m, long n, long k, const float *a, long lda,
             const float *b, long ldb, float beta, float *c, long ldc) {
    (void)isa; (void)ta; (void)tb; (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b;
    (void)ldb; (void)beta; (void)c; (void)ldc;
    return -1;
}

#endif
