/* SPDX-License-Identifier: MIT */
/*
 * kernels.c - loop kernels compiled twice by run.sh: natively (clang -O2) and to BPF (clang
 * -target bpf), so the interpreter is timed against native code on the same source. Each is
 * uint64_t k_<name>(uint8_t *mem, uint64_t len) in its own section; no libc headers, since
 * the BPF target has none.
 */
typedef unsigned long uint64_t;
typedef unsigned int uint32_t;
typedef unsigned char uint8_t;
#define K(name) __attribute__((section("s_" #name), noinline)) uint64_t k_##name(uint8_t *m, uint64_t n)

K(fib) { uint64_t a = 0, b = 1; for (uint64_t i = 0; i < n; i++) { uint64_t t = a + b; a = b; b = t; } return a; }
K(sieve) {
	uint64_t c = 0;
	for (uint64_t i = 0; i < n; i++) m[i] = 0;
	for (uint64_t i = 2; i < n; i++)
		if (!m[i]) { c++; for (uint64_t j = i * i; j < n; j += i) m[j] = 1; }
	return c;
}
K(memcpy) {
	uint64_t h = n / 16;
	uint64_t *s = (uint64_t *)m, *d = (uint64_t *)(m + n / 2);
	for (uint64_t i = 0; i < h; i++) d[i] = s[i] + i;
	return d[h - 1];
}
K(strcmp) {
	uint8_t *a = m, *b = m + n / 2;
	for (uint64_t i = 0; i < n / 2 - 1; i++) { a[i] = (uint8_t)(i % 200 + 1); b[i] = a[i]; }
	a[n / 2 - 1] = 0; b[n / 2 - 1] = 0;
	uint64_t i = 0;
	while (a[i] && a[i] == b[i]) i++;
	return i + (uint64_t)(a[i] - b[i]);
}
K(crc32) {
	uint32_t crc = 0xffffffff;
	for (uint64_t i = 0; i < n; i++) {
		crc ^= m[i];
		for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320 & (0 - (crc & 1)));
	}
	return ~crc;
}
K(switch) {
	uint64_t acc = 1;
	for (uint64_t i = 0; i < n; i++) {
		switch ((acc ^ i) & 7) {
		case 0: acc += 3; break;
		case 1: acc ^= i; break;
		case 2: acc = acc * 5 + 1; break;
		case 3: acc -= 7; break;
		case 4: acc += i >> 1; break;
		case 5: acc = (acc << 1) | 1; break;
		case 6: acc ^= 0x5555; break;
		default: acc += 11; break;
		}
	}
	return acc;
}
