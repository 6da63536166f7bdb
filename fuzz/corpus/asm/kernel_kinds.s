r6 = r1
r0 = 0
r1 = 7
r2 = 3
w3 = 5
w4 = 9
r1 += 5
r1 -= r2
r1 *= -3
r1 /= r2
r1 s/= 3
r1 s%= r2
r1 %= 7
r1 |= r2
r1 &= 255
r1 <<= 3
r1 >>= r2
r1 s>>= 2
r1 ^= r2
r1 = -r1
w3 += w4
w3 -= 1
w3 *= w4
w3 /= 2
w3 s/= w4
w3 s%= -3
w3 |= 0x10
w3 &= w4
w3 <<= 1
w3 >>= w4
w3 s>>= 3
w3 ^= -1
w3 = -w3
w3 = w4
w3 = 0xffffffff
r5 = (s8)r1
r5 = (s16)r2
r5 = (s32)r3
w5 = (s8)w1
w5 = (s16)w2
r1 = be16 r1
r1 = be32 r1
r1 = be64 r1
r1 = le16 r1
r1 = le32 r1
r1 = le64 r1
r1 = bswap16 r1
r1 = bswap32 r1
r1 = bswap64 r1
r7 = 0x123456789abcdef0 ll
r7 = -1 ll
*(u64 *)(r10 -8) = r1
*(u32 *)(r10 -16) = r2
*(u16 *)(r10 -18) = r2
*(u8 *)(r10 -19) = r2
*(u64 *)(r10 -32) = 7
*(u32 *)(r10 -24) = -5
*(u16 *)(r10 -20) = 300
*(u8 *)(r10 -20) = 1
r2 = *(u64 *)(r10 -8)
r2 = *(u32 *)(r10 -16)
r2 = *(u16 *)(r10 -18)
r2 = *(u8 *)(r10 -19)
r2 = *(s32 *)(r10 -16)
r2 = *(s16 *)(r10 -18)
r2 = *(s8 *)(r10 -19)
r2 = 1
lock *(u64 *)(r10 -8) += r2
lock *(u64 *)(r10 -8) |= r2
lock *(u64 *)(r10 -8) &= r2
lock *(u64 *)(r10 -8) ^= r2
lock *(u32 *)(r10 -16) += r2
lock *(u32 *)(r10 -16) ^= r2
r2 = atomic64_fetch_add((u64 *)(r10 -8), r2)
r2 = atomic64_fetch_and((u64 *)(r10 -8), r2)
r2 = atomic64_fetch_or((u64 *)(r10 -8), r2)
r2 = atomic64_fetch_xor((u64 *)(r10 -8), r2)
r2 = atomic_fetch_add((u32 *)(r10 -16), r2)
r2 = atomic_fetch_xor((u32 *)(r10 -16), r2)
r2 = atomic64_xchg((u64 *)(r10 -8), r2)
r2 = atomic_xchg((u32 *)(r10 -16), r2)
r0 = 0
r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r2)
r0 = atomic_cmpxchg((u32 *)(r10 -16), r0, r2)
r0 = 0
r1 = 5
r2 = 6
if r1 == 5 goto +1
r1 = 0
if r1 != r2 goto pc+1
r1 = 0
if r1 > 0x10 goto +1
r1 = 0
if r1 >= r2 goto +1
r1 = 0
if r1 < -1 goto +1
r1 = 0
if r1 <= r2 goto +1
r1 = 0
if r1 s> 3 goto +1
r1 = 0
if r1 s>= r2 goto +1
r1 = 0
if r1 s< -7 goto +1
r1 = 0
if r1 s<= r2 goto +1
r1 = 0
if r1 & 0x10 goto +1
r1 = 0
if r1 & r2 goto +1
r1 = 0
if w1 == 5 goto +1
w1 = 0
if w1 != w2 goto +1
w1 = 0
if w1 > 0xfffffff0 goto +1
w1 = 0
if w1 s< w2 goto +1
w1 = 0
if w1 & 3 goto +1
w1 = 0
goto +0
gotol +0
r0 = *(u8 *)skb[12]
r0 = *(u16 *)skb[12]
r0 = *(u32 *)skb[12]
r3 = 2
r0 = *(u8 *)skb[r3 + 12]
r3 = 2
r0 = *(u16 *)skb[r3 + 4]
r3 = 2
r0 = *(u32 *)skb[r3 + -2]
call bpf_ktime_get_ns#5
call bpf_get_prandom_u32
call 8
r1 = 0
*(u32 *)(r10 -4) = 0
r2 = r10
r2 += -4
r1 = map[m]
call bpf_map_lookup_elem
call sub
r0 = 0
exit
sub:
r0 = 1
exit
