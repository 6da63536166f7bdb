#!/usr/bin/env bash
# deps.sh - install the Debian packages userbpf builds and tests with, only those missing.
# Idempotent: with everything present it prints one line and touches nothing.
set -euo pipefail
pkgs=(build-essential clang llvm clang-19 llvm-19 libclang-rt-14-dev linux-libc-dev libelf-dev
      zlib1g-dev libbpf-dev libpcap-dev libcapstone-dev tcpdump bpftool iproute2 python3)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
