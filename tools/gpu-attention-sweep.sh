#!/usr/bin/env bash
# Attention sweep on the GPU machine (the `device` tool): the attention tests with the validation
# layer on, then `lil bench attention` per kernel variant (quest selection, merge, splits, decode
# shape); every bench row names the variant that ran. Outputs under $OUT (summary on stdout).
# usage, from the repository root with a release build dir:  bash tools/gpu-attention-sweep.sh build-gpu-quest
# About 2-3 minutes. SWEEP_QUICK=1: tiny shapes (a dry run on lavapipe).
set -u
source tools/gpu-env.sh
B=${1:-build-gpu}
OUT=${OUT:-/tmp/lil-sweep}
mkdir -p "$OUT"
export LIL_SOURCE_ROOT=$PWD
L="$B/cli/lil"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >"$OUT/gpu.txt" 2>&1
for t in test_attention test_attention_topk test_attention_book; do
  echo "== $t"; LIL_VALIDATE=1 timeout 120 "$B/tests/$t" 2>&1 | grep -E '^[0-9]+%|:[EF]:|validation'
done >"$OUT/tests.txt" 2>&1

# bench NAME [ENV=VALUE ...] -- ARGS: one process (variants are chosen when the attention is created)
bench() {
  local name=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  { echo "== $name: ${envs[*]} $*"; env "${envs[@]}" timeout 60 "$L" bench attention --kernels $QUICK "$@" 2>&1 | tail -n +2; } \
    >>"$OUT/bench.txt"
}
: >"$OUT/bench.txt"
QUICK=${SWEEP_QUICK:+--quick}
C32=32768 CALL=1024,32768,65536,131072 COLD=1024,32768,131072
[ -n "$QUICK" ] && C32=1024 CALL=256,1024 COLD=256,1024
Q32="--policies quest --contexts $C32"
D32="--policies dense --contexts $C32"
# the previous kernels (quest_score + page_topk, attn_merge dispatch) in the same run, for reference
bench old LIL_QUEST_SELECT=split LIL_ATTN_MERGE=separate -- --policies dense,quest --contexts $COLD
# the new defaults, every policy
bench new X=1 -- --contexts $CALL
# quest selection shapes (workgroup, pages per workgroup)
for v in fused,512,32 fused,256,64 fused,1024,128 fused,512,64; do bench "select $v" LIL_QUEST_SELECT=$v -- $Q32; done
bench "select split, merge fused" LIL_QUEST_SELECT=split -- $Q32
# quest attention splits (128 pages per head)
for s in 8 16 32; do bench "quest splits $s" X=1 -- $Q32 --splits $s; done
bench "quest merge separate" LIL_ATTN_MERGE=separate -- $Q32
# dense at 32k: merge, splits, decode shape (workgroup, rows per group, prefetch)
bench "dense merge separate" LIL_ATTN_MERGE=separate -- $D32
for s in 32 64 256; do bench "dense splits $s" X=1 -- $D32 --splits $s; done
for d in 128,8,0 256,4,0 128,4,1 64,4,0 256,8,0; do bench "dense decode $d" LIL_ATTN_DECODE=$d -- $D32; done
for d in 128,8,0 256,8,0; do bench "dense decode $d splits 64" LIL_ATTN_DECODE=$d -- $D32 --splits 64; done
cat "$OUT/gpu.txt" "$OUT/tests.txt" "$OUT/bench.txt"
