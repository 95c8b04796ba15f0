#!/usr/bin/env bash
# GPU sweep of the tensor-core matmul designs (lil_matmul_variant_*; shaders/matmul_cm.comp and the
# "base" matmul_coopmat_nv.comp). On the GPU machine (the `device` tool), from the repository root,
# carrying .gl and a release build directory:
#   bash tools/gpu-coopmat-sweep.sh build-gpu-coopmat
# (the script may also be run from a copy inside the build directory; it needs tools/gpu-env.sh and
# tools/bench_torch_matmul.py of the checkout). Writes under $OUT:
#   gpu.txt      nvidia-smi name / driver
#   test.txt     tests/test_ops_matmul with the validation layer: every design x type x ragged shape
#   bench.txt    lil bench kernels, every design, F16 and Q4_K, 512x4096x4096 and 4096^3
#                (ms includes the F32 -> F16 conversion of X for the f16-X designs; cvt = its share)
#   torch.jsonl  PyTorch fp16 (cuBLAS) on the same shapes (SKIP_TORCH=1: not run)
# bench.txt also has the driver's pipeline statistics (registers per thread, shared memory) of every
# design (--pipeline-stats, on stderr). About 1-2 minutes.
set -u
B=${1:?usage: gpu-coopmat-sweep.sh BUILD_DIR}
OUT=${OUT:-/tmp/coopmat-sweep}
mkdir -p "$OUT"
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >"$OUT/gpu.txt" 2>&1
start=$SECONDS
LIL_VALIDATE=1 timeout 150 "$B/tests/test_ops_matmul" >"$OUT/test.txt" 2>&1
echo "rc=$? seconds=$((SECONDS - start))" >>"$OUT/test.txt"
start=$SECONDS
LIL_MATMUL_VARIANT=all LIL_MATMUL_TYPES=f16,q4_k timeout 150 "$B/cli/lil" bench kernels --filter matmul_c --iters 10 --pipeline-stats \
  >"$OUT/bench.txt" 2>&1
echo "rc=$? seconds=$((SECONDS - start))" >>"$OUT/bench.txt"
[ "${SKIP_TORCH:-0}" = 1 ] || timeout 60 python3 tools/bench_torch_matmul.py >"$OUT/torch.jsonl" 2>&1
cat "$OUT/gpu.txt"
grep -E "worst|Checks|rc=|:[EF]:|alidation" "$OUT/test.txt" | tail -60
grep -v "^pipeline" "$OUT/bench.txt"
grep "^pipeline matmul_cm" "$OUT/bench.txt" | sed 's/| Binary Size=[0-9]* | Stack Size=[0-9]* //' | sort -u
cat "$OUT/torch.jsonl" 2>/dev/null
