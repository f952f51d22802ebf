#ifndef FLNB_COPENBLAS_SHIM_H
#define FLNB_COPENBLAS_SHIM_H
// Debian ships cblas.h for OpenBLAS in the multiarch include folder.
#include <cblas.h>

// A spin-wait hint for the worker pool's busy loops (PAUSE on x86, YIELD on ARM): the
// spinning thread stops competing for the execution units of a sibling hardware thread —
// which on a VM may be the other vCPU doing the real work — and saves power.
static inline void flnb_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
#endif
