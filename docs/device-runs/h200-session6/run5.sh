#!/usr/bin/env bash
# Session 6, fifth H200 call, on the final code: the F32/F16/BF16 decode matvec with its new default
# of 4 rows per workgroup, streamed and --serial (each run waits for the previous one: no overlap
# between runs can share the weights through L2), then every test binary with validation and the
# stories / policies / Guardian runs (PARTS="tests run" of tools/gpu-bench-all.sh).
set -u
mkdir -p gpu-carry && tar -C gpu-carry -xJf gpu-pack/carry.tar.xz
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
L=gpu-carry/cli/lil
{
  timeout 60 $L bench kernels --filter matvec_f --iters 30
  timeout 60 $L bench kernels --filter matvec_bf16 --iters 30
  echo "== --serial"
  timeout 60 $L bench kernels --filter matvec_f --iters 30 --serial
  echo "== --serial --rows 2 (the old default)"
  timeout 60 $L bench kernels --filter matvec_f16 --iters 30 --serial --rows 2
} >$OUT/matvec-f.txt 2>&1
PARTS="tests run" bash tools/gpu-bench-all.sh gpu-carry
