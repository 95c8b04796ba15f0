#!/usr/bin/env bash
# Session 6, first H200 call: every test binary with validation (the restructured prefill kernel had
# not run on a GPU), the Qwen3-8B-shaped end-to-end run (default / --matvec-x8 / --no-fuse), the
# fused matvec kernels alone, the attention table at 1k/32k/128k.
set -u
mkdir -p gpu-carry && tar -C gpu-carry -xJf gpu-pack/carry.tar.xz
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
L=gpu-carry/cli/lil
{
  timeout 100 $L bench kernels --filter matvec --iters 30 --fuse rmsnorm
  timeout 100 $L bench kernels --filter matvec --iters 30 --fuse swiglu
} >$OUT/matvec-fused.txt 2>&1
timeout 100 $L bench attention --kernels --contexts 1024,32768,131072 --policies dense,quest >$OUT/attention.txt 2>&1
PARTS="tests e2e8b" bash tools/gpu-bench-all.sh gpu-carry
