#!/usr/bin/env bash
# On the GPU machine (the `device` tool), from the repository root, carrying .gl and a release build:
#   bash tools/gpu-diag-matvec.sh build-gpu
# Diagnoses the decode matvec kernels: the GPU's state (clocks, other processes) sampled every
# second, the driver's pipeline statistics (registers, spills) of every matvec variant, the kernel
# sweep (copy bandwidth re-measured next to each matvec), launch-shape sweeps of the quantized
# kernels, the attention bench, and the matvec correctness suite with the validation layer.
source tools/gpu-env.sh
B=${1:-build-gpu}
export LIL_SOURCE_ROOT=$PWD
nvidia-smi >"$OUT/smi.txt" 2>&1
nvidia-smi dmon -s pucm -d 1 >"$OUT/dmon.txt" 2>&1 &
DMON=$!
"$B/cli/lil" bench kernels --iters 30 --pipeline-stats >"$OUT/kernels.txt" 2>"$OUT/pipeline-stats.txt"
for r in 1 2; do
  "$B/cli/lil" bench kernels --filter matvec_q --iters 30 --rows $r --pipeline-stats >"$OUT/matvec-q-rows$r.txt" 2>>"$OUT/pipeline-stats.txt"
done
for w in 64 256; do
  "$B/cli/lil" bench kernels --filter matvec_q --iters 30 --wg $w >"$OUT/matvec-q-wg$w.txt" 2>&1
done
"$B/cli/lil" bench attention >"$OUT/attention.txt" 2>&1
(cd "$B" && LIL_VALIDATE=1 timeout 200 ./tests/test_ops_matvec 2>&1 | grep -E '^[0-9]+%|:[EF]:|validation') >"$OUT/test-matvec.txt" 2>&1
kill $DMON 2>/dev/null
cat "$OUT/kernels.txt" "$OUT/matvec-q-rows1.txt" "$OUT/matvec-q-rows2.txt" "$OUT/attention.txt" "$OUT/test-matvec.txt"
