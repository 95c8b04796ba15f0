#!/usr/bin/env bash
# Session 6, fourth H200 call: launch shapes of the F16 / F32 decode matvec (generic matvec.comp;
# default 128 threads x 2 rows), every shape, streamed, to see whether the vocabulary shape
# (151936 x 2048, 87% of copy) gains from another workgroup size or row count.
set -u
mkdir -p gpu-carry && tar -C gpu-carry -xJf gpu-pack/carry.tar.xz
source tools/gpu-env.sh
L=gpu-carry/cli/lil
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >$OUT/gpu.txt 2>&1
{
  for wg in 32 64 128 256; do
    for r in 1 2 4 8; do
      echo "== --wg $wg --rows $r"
      timeout 40 $L bench kernels --filter matvec_f16 --iters 30 --wg $wg --rows $r | grep matvec
    done
  done
  echo "== default"; timeout 40 $L bench kernels --filter matvec_f16 --iters 30 | grep matvec
  for wg in 32 64; do for r in 2 4 8; do
    echo "== f32 --wg $wg --rows $r"; timeout 40 $L bench kernels --filter matvec_f32 --iters 30 --wg $wg --rows $r | grep matvec
  done; done
  echo "== f16 --fuse rmsnorm --wg 32 --rows 4"; timeout 40 $L bench kernels --filter matvec_f16 --iters 30 --wg 32 --rows 4 --fuse rmsnorm | grep matvec
  echo "== f16 --fuse rmsnorm --wg 64 --rows 4"; timeout 40 $L bench kernels --filter matvec_f16 --iters 30 --wg 64 --rows 4 --fuse rmsnorm | grep matvec
} >$OUT/matvec-f16-shapes.txt 2>&1
cat $OUT/matvec-f16-shapes.txt
