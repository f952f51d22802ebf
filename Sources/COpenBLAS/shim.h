#ifndef FLNB_COPENBLAS_SHIM_H
#define FLNB_COPENBLAS_SHIM_H
// Debian ships cblas.h for OpenBLAS in the multiarch include folder.
#include <cblas.h>
#endif
