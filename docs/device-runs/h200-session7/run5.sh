#!/usr/bin/env bash
# Session 7, fifth H200 call: test_ops_matmul on the final code (call 4's
# 150 s limit stopped test_ops_matmul, whose code is unchanged since it passed in 138 s).
set -u
mkdir -p gpu-carry && tar -C gpu-carry -xJf gpu-pack/carry.tar.xz
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
for t in test_ops_matmul; do
  s=$SECONDS; echo "== $t"
  LIL_VALIDATE=1 timeout 200 gpu-carry/tests/$t 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head -20
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"
done 2>&1 | tee $OUT/tests.txt
