#!/bin/sh
# Proves that MIPS code carries no FPU instruction (issue 10): disassembles
# the given objects / executables with the cross objdump and fails listing
# every instruction that touches coprocessor 1 (an FPU register $fN, a cop1
# load/store/move/branch, or a .s/.d/.w/.l/.ps arithmetic format).
#   tools/fpu-check.sh mipsel build/mipsel/libpce.a build/mipsel/pce-sense
set -eu
arch=$1
shift
case $arch in
  mipsel) objdump=mipsel-linux-gnu-objdump ;;
  mips) objdump=mips-linux-gnu-objdump ;;
  *) echo "fpu-check: MIPS only (mipsel, mips), not $arch" >&2; exit 2 ;;
esac
status=0
for f in "$@"; do
  listing=$($objdump -d --no-show-raw-insn "$f")
  insns=$(printf '%s\n' "$listing" | grep -cE '^ +[0-9a-f]+:' || true)
  hits=$(printf '%s\n' "$listing" | grep -E '^ +[0-9a-f]+:' |
    grep -E '\$f[0-9]+|[[:space:]](lwc1|swc1|ldc1|sdc1|lwxc1|swxc1|ldxc1|sdxc1|luxc1|suxc1|mtc1|mfc1|mthc1|mfhc1|ctc1|cfc1|bc1f|bc1t|bc1fl|bc1tl)[[:space:]]|[[:space:]][a-z0-9]+\.(s|d|w|l|ps)[[:space:]]' || true)
  if [ -n "$hits" ]; then
    echo "fpu-check: $f has FPU instructions:"
    printf '%s\n' "$hits" | head -20
    status=1
  else
    echo "fpu-check: $f: $insns instructions, no FPU instruction"
  fi
done
exit $status
