#ifndef FLNB_CZLIB_SHIM_H
#define FLNB_CZLIB_SHIM_H
#include <zlib.h>
#endif
