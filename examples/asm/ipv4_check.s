; ipv4_check.s - validate an Ethernet + IPv4 header, the way a packet filter would.
; Input: r1 = packet, r2 = its length.
; Returns the IP protocol number (6 = TCP, 17 = UDP) when the frame is IPv4 with a correct
; header checksum, and 0 otherwise. Assemble: userbpf asm ipv4_check.s -o ipv4_check.bin
	r0 = 0
	if r2 < 34 goto out            ; 14 bytes Ethernet + 20 bytes IPv4 at least
	r3 = *(u16 *)(r1 +12)          ; EtherType, network byte order
	r3 = be16 r3
	if r3 != 0x800 goto out
	r4 = *(u8 *)(r1 +14)           ; version and header length
	r5 = r4
	r5 >>= 4
	if r5 != 4 goto out
	r4 &= 15
	r4 <<= 2                       ; header length in bytes
	if r4 < 20 goto out
	r5 = r4
	r5 += 14
	if r5 > r2 goto out            ; header must fit in the packet
	r6 = 0                         ; one's complement sum
	r7 = 0                         ; offset into the header
sum:
	r8 = r1
	r8 += 14
	r8 += r7
	r9 = *(u16 *)(r8 +0)
	r9 = be16 r9
	r6 += r9
	r7 += 2
	if r7 < r4 goto sum
fold:
	r9 = r6
	r9 >>= 16
	r6 &= 0xffff
	r6 += r9
	r9 = r6
	r9 >>= 16
	if r9 != 0 goto fold
	if r6 != 0xffff goto out       ; a correct header sums to 0xffff
	r0 = *(u8 *)(r1 +23)           ; the protocol field
out:
	exit
