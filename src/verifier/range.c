/* SPDX-License-Identifier: MIT */
/* range.c - the 64-bit instance of the scalar-domain template (range_impl.h). */
#include "range.h"

#define RANGE_W 64
#define RANGE_FN(n) range_##n
#define RANGE_LINKAGE
#define TNUM_FN(n) tnum_##n
#include "range_impl.h"
