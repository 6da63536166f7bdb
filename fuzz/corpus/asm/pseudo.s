r1 = map[counts]
r2 = map_value[counts]+8
r3 = map[id:3][0]+4
r4 = map[idx:1]+2
r5 = subprog[+2]
r6 = btf_id[9]
call kernel-function#5@2
call bpf_map_lookup_elem#1
callx r2
exit
