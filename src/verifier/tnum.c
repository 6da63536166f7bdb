/* SPDX-License-Identifier: MIT */
/* tnum.c - the 64-bit instance of the tnum template (tnum_impl.h), used by the verifier. */
#define TNUM_W 64
#define TNUM_FN(n) tnum_##n
#define TNUM_LINKAGE
#include "tnum_impl.h"

