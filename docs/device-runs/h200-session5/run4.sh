#!/usr/bin/env bash
# Session 5, fourth H200 call: after the decode attention's prefetch became the GPU default
# (LIL_ATTN_DECODE=128,4,1 in call 3): test_attention and test_model with validation, the
# attention table (every policy at 1k, 32k, 128k).
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
L=gpu-carry/cli/lil
for t in test_attention test_model; do
  echo "== $t"; LIL_VALIDATE=1 timeout 60 gpu-carry/tests/$t 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head
done >$OUT/tests.txt 2>&1
timeout 100 $L bench attention --kernels --contexts 1024,32768,131072 >$OUT/attention.txt 2>&1
cat $OUT/tests.txt
