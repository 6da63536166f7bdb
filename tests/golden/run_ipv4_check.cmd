run examples/asm/ipv4_check.s --mem-file examples/asm/tcp_syn.bin
