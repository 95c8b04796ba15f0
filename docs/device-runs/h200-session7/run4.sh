#!/usr/bin/env bash
# Session 7, fourth H200 call, on the final code: quest_select with subgroup-aggregated histogram
# atomics and batched key loads (cli/lil) against main before it (cli/lil-base, 0b0ae6e), quest /
# raas / dense attention at 1k / 32k / 128k, alternating; the decode matvecs of every type
# streamed and --serial; then every test binary with validation and the stories / policies /
# Guardian runs (PARTS="tests run" of tools/gpu-bench-all.sh).
set -u
mkdir -p gpu-carry && tar -C gpu-carry -xJf gpu-pack/carry.tar.xz
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
A="bench attention --kernels --contexts 1024,32768,131072 --policies quest,raas,dense"
{
  for i in 1 2; do for b in lil-base lil; do
    echo "== $b"; timeout 60 gpu-carry/cli/$b $A
  done; done
} >$OUT/attention.txt 2>&1
timeout 100 gpu-carry/cli/lil bench kernels --filter matvec --iters 30 >$OUT/matvec.txt 2>&1
timeout 100 gpu-carry/cli/lil bench kernels --filter matvec --iters 30 --serial >$OUT/matvec-serial.txt 2>&1
grep -E "^==|^quest|^raas|^dense|step" $OUT/attention.txt | head -60
PARTS="tests run" bash tools/gpu-bench-all.sh gpu-carry
