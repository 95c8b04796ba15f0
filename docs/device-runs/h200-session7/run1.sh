#!/usr/bin/env bash
# Session 7, first H200 call: the decode attention kernel with its split's page list in shared
# memory (default now; LIL_ATTN_DECODE=128,4,1,0 = without) and the rewritten fused merge
# (LIL_ATTN_MERGE=fused), dense and quest at 32k / 64k / 128k, split counts with the fused merge;
# then every test binary with validation (PARTS=tests of tools/gpu-bench-all.sh).
set -u
mkdir -p gpu-carry && tar -C gpu-carry -xJf gpu-pack/carry.tar.xz
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
L=gpu-carry/cli/lil
A="bench attention --kernels --contexts 1024,32768,65536,131072 --policies dense,quest"
{
  echo "== default (page list in shared memory, tree merge)"; timeout 60 $L $A
  echo "== LIL_ATTN_DECODE=128,4,1,0 (no page list in shared memory)"; LIL_ATTN_DECODE=128,4,1,0 timeout 60 $L $A
  echo "== LIL_ATTN_MERGE=fused"; LIL_ATTN_MERGE=fused timeout 60 $L $A
  for sp in 32 48 96 128; do
    echo "== LIL_ATTN_MERGE=fused --splits $sp"
    LIL_ATTN_MERGE=fused timeout 60 $L bench attention --kernels --contexts 32768 --policies dense --splits $sp
  done
} >$OUT/attention.txt 2>&1
PARTS="tests" bash tools/gpu-bench-all.sh gpu-carry
