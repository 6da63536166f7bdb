/* SPDX-License-Identifier: MIT */
/*
 * test.h - the unit-test harness: CHECK macros that count, and a closing line
 * "N passed, N failed" that tests/run.sh (and CI) read. Each test_<module>.c is one binary.
 * Test code may keep counters in statics; the library may not.
 */
#ifndef USERBPF_TEST_H
#define USERBPF_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (cond) {                                                                  \
			test_passed++;                                                       \
		} else {                                                                     \
			test_failed++;                                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                            \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                   \
	do {                                                                                 \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                             \
		if (a_ == b_) {                                                              \
			test_passed++;                                                       \
		} else {                                                                     \
			test_failed++;                                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (0x%" PRIx64              \
					" != 0x%" PRIx64 ")\n",                                  \
				__FILE__, __LINE__, #a, #b, a_, b_);                         \
		}                                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                                      \
	do {                                                                                 \
		const char *a_ = (a), *b_ = (b);                                             \
		if (a_ && b_ && strcmp(a_, b_) == 0) {                                       \
			test_passed++;                                                       \
		} else {                                                                     \
			test_failed++;                                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n",     \
				__FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
		}                                                                            \
	} while (0)

/* Print the closing line and return the process status. */
static inline int test_summary(void)
{
	printf("%d passed, %d failed\n", test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif
