#!/usr/bin/env bash
# Session 6, third H200 call: decode attention timed both ways (per-dispatch timestamps as before,
# and the whole step against its update + append alone, without per-dispatch timestamps), every
# policy at 1k / 32k / 128k; then dense at 32k with the fused merge and other split counts.
set -u
mkdir -p gpu-carry && tar -C gpu-carry -xJf gpu-pack/carry.tar.xz
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
L=gpu-carry/cli/lil
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >$OUT/gpu.txt 2>&1
timeout 200 $L bench attention --kernels --contexts 1024,32768,131072 >$OUT/attention.txt 2>&1
{
  for m in tree fused; do
    echo "== LIL_ATTN_MERGE=$m"
    LIL_ATTN_MERGE=$m timeout 60 $L bench attention --kernels --contexts 32768,65536 --policies dense,quest
  done
  for sp in 32 48 96; do
    echo "== --splits $sp"
    timeout 60 $L bench attention --kernels --contexts 32768 --policies dense --splits $sp
  done
} >$OUT/attention-variants.txt 2>&1
timeout 100 $L bench attention --json --contexts 1024,32768,131072 >$OUT/attention.json 2>&1
cat $OUT/attention.txt $OUT/attention-variants.txt
tar -czf /tmp/lil-all.tar.gz -C "$OUT" . && rm -f "$OUT"/* && mv /tmp/lil-all.tar.gz "$OUT/all.tar.gz"
