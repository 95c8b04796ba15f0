#!/usr/bin/env bash
# The long soak on the GPU machine (docs/reliability.md), from the repository root, carrying a build
# with tests/test_soak (or a whole build directory):
#   bash tools/gpu-soak.sh gpu-carry [MODEL.gguf]
# For each sparse policy (window, quest, h2o, raas), TOKENS (default 100000) generated tokens with
# the Guardian on and the validation layer on: the test fails if device memory (by role, and the
# number of buffers) moves after warm-up, if resident host memory grows beyond the ids and the
# Guardian's records, or on any validation message. One policy per test run (each well within the
# device tool's 10 minutes on an H100 with the bundled model); outputs in $OUT/soak-POLICY.txt and
# a summary in $OUT/soak.txt. MODEL (default the bundled stories260K) may be any GGUF lil runs.
set -u
B=${1:-gpu-carry}
MODEL=${2:-}
OUT=${OUT:-/tmp}
export LIL_SOURCE_ROOT=$PWD LIL_VALIDATE=1 LIL_SOAK_TOKENS=${TOKENS:-100000} LIL_SOAK_BUDGET=${BUDGET:-2048}
[ -n "$MODEL" ] && export LIL_SOAK_MODEL=$MODEL
[ -f tools/gpu-env.sh ] && source tools/gpu-env.sh
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >"$OUT/gpu.txt" 2>&1
rc=0
for p in ${POLICIES:-window quest h2o raas}; do
  s=$SECONDS
  LIL_SOAK_POLICIES=$p CK_DEFAULT_TIMEOUT=0 timeout "${LIMIT:-540}" "$B/tests/test_soak" >"$OUT/soak-$p.txt" 2>&1
  r=$?
  [ $r = 0 ] || rc=1
  { grep -E '^soak|:[EF]:|alidation' "$OUT/soak-$p.txt" | head -20; echo "$p: rc=$r seconds=$((SECONDS - s))"; } >>"$OUT/soak.txt"
done
cat "$OUT/soak.txt"
exit $rc
