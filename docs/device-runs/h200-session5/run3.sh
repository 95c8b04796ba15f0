#!/usr/bin/env bash
# Session 5, third H200 call (repository root, release build unpacked in gpu-carry/): a sweep of the
# dense decode-attention shape (rows per group R, prefetch, workgroup size, splits) at 32k / 128k,
# test_attention with validation under the candidate shapes, then the whole suite with validation,
# the stories / policy / Guardian runs and the end-to-end table (tools/gpu-bench-all.sh, which packs
# $OUT into all.tar.gz).
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
L=gpu-carry/cli/lil
A="timeout 40 $L bench attention --kernels --policies dense --contexts 32768,131072"
{
  echo "== default"; $A
  for cfg in "128,4,1" "128,8,0" "128,8,1" "128,16,0" "256,8,0 32" "64,4,0 128" "128,4,0 96" "128,8,0 96" "256,4,1 32"; do
    set -- $cfg
    echo "== LIL_ATTN_DECODE=$1 splits ${2:-auto}"
    LIL_ATTN_DECODE=$1 $A ${2:+--splits $2}
  done
  for d in 128,8,0 128,8,1 128,4,1; do
    echo "== test_attention LIL_ATTN_DECODE=$d"
    LIL_VALIDATE=1 LIL_ATTN_DECODE=$d timeout 60 gpu-carry/tests/test_attention 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head
  done
} >$OUT/attention-shapes.txt 2>&1
PARTS="tests run e2e" bash tools/gpu-bench-all.sh gpu-carry
