disasm examples/asm/ipv4_check.s
