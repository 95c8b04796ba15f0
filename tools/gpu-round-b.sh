#!/usr/bin/env bash
# Device call B of a tuning round: the attention variant sweep (tests skipped: call A ran them),
# the matvec bench streamed, and the quantized matvecs with 8 rows per workgroup.
set -u
source tools/gpu-env.sh
B=${1:-gpu-carry}
export LIL_SOURCE_ROOT=$PWD
L="$B/cli/lil"
nvidia-smi dmon -s pucm -d 1 >"$OUT/dmon.txt" 2>&1 &
DMON=$!
timeout 100 "$L" bench kernels --filter matvec --iters 30 >"$OUT/matvec.txt" 2>&1
timeout 60 "$L" bench kernels --filter matvec_q --iters 30 --rows 8 >"$OUT/matvec-q-rows8.txt" 2>&1
SKIP_TESTS=1 timeout 200 bash tools/gpu-attention-sweep.sh "$B" >/dev/null 2>&1
kill $DMON 2>/dev/null
cat "$OUT/matvec.txt" "$OUT/matvec-q-rows8.txt" "$OUT/bench.txt"
