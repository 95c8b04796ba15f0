#!/usr/bin/env bash
# Kernel sweep on the GPU machine (the `device` tool), from the repository root, carrying .gl and a
# folder with the release build's cli/lil and tests/ binaries:  bash tools/gpu-sweep-kernels.sh gpu-carry
# Correctness first (validation layer on), then the matvec bench (independent outputs, --serial,
# --rows 2), every tensor-core matmul design, and PyTorch on the same GPU. Outputs under $OUT.
set -u
source tools/gpu-env.sh
B=${1:-gpu-carry}
export LIL_SOURCE_ROOT=$PWD
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >"$OUT/gpu.txt" 2>&1
nvidia-smi dmon -s pucm -d 1 >"$OUT/dmon.txt" 2>&1 &
DMON=$!
for t in test_ops_matmul test_ops_matvec test_ops_basic test_model; do
  s=$SECONDS; echo "== $t"
  LIL_VALIDATE=1 timeout 150 "$B/tests/$t" 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head -20
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"
done >"$OUT/tests.txt" 2>&1
L="$B/cli/lil"
timeout 150 "$L" bench kernels --filter matvec --iters 30 >"$OUT/matvec.txt" 2>&1
timeout 100 "$L" bench kernels --filter matvec_q --iters 30 --serial >"$OUT/matvec-q-serial.txt" 2>&1
timeout 100 "$L" bench kernels --filter matvec_q --iters 30 --rows 2 >"$OUT/matvec-q-rows2.txt" 2>&1
LIL_MATMUL_VARIANT=all LIL_MATMUL_TYPES=f16,q4_k timeout 150 "$L" bench kernels --filter matmul_c --iters 10 \
  >"$OUT/matmul.txt" 2>&1
timeout 60 python3 tools/bench_torch_matmul.py >"$OUT/torch.jsonl" 2>&1
kill $DMON 2>/dev/null
cat "$OUT/gpu.txt" "$OUT/tests.txt" "$OUT/matvec.txt" "$OUT/matvec-q-serial.txt" "$OUT/matvec-q-rows2.txt" "$OUT/matmul.txt" "$OUT/torch.jsonl"
