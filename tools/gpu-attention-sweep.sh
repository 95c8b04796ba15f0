#!/usr/bin/env bash
# Attention sweep on the GPU machine (the `device` tool): the attention tests with the validation
# layer on, then `lil bench attention` per kernel variant (merge old/tree and its shapes, decode
# shapes incl. lanes per row, splits, quest's splits over its selection, min/max in the append);
# every bench row names the variant that ran. Outputs under $OUT (summary on stdout).
# usage, from the repository root with a release build dir:  bash tools/gpu-attention-sweep.sh build-gpu-quest
# About 2 minutes. SWEEP_QUICK=1: tiny shapes (a dry run on lavapipe).
set -u
source tools/gpu-env.sh
B=${1:-build-gpu}
OUT=${OUT:-/tmp/lil-sweep}
mkdir -p "$OUT"
export LIL_SOURCE_ROOT=$PWD
L="$B/cli/lil"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >"$OUT/gpu.txt" 2>&1
[ "${SKIP_TESTS:-0}" = 1 ] || for t in test_attention test_attention_topk test_attention_book; do
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
C32=32768 CL=32768,131072 CALL=1024,32768,131072 COLD=32768,131072
[ -n "$QUICK" ] && C32=1024 CL=1024 CALL=256,1024 COLD=256,1024
Q32="--policies quest --contexts $C32"
D32="--policies dense --contexts $C32"
DL="--policies dense --contexts $CL"
# the previous kernels (attn_merge dispatch, kv_minmax dispatch, quest over n_splits splits)
bench old LIL_ATTN_MERGE=separate LIL_KV_MINMAX=separate LIL_ATTN_SEL_SPLITS=0 -- --policies dense,quest --contexts $COLD
# the new defaults (attn_merge_tree, min/max in kv_append, quest splits for budget/P pages), every policy
bench new X=1 -- --contexts $CALL
# merge shapes (workgroup, output quads per workgroup; default 256,8), dense 32k
for m in tree,128,4 tree,256,32 tree,512,8; do bench "merge $m" LIL_ATTN_MERGE=$m -- $D32; done
# decode shapes (workgroup, rows per group, prefetch; default 128,4,0) with the tree merge
for d in 128,8,0 256,8,0; do bench "dense decode $d" LIL_ATTN_DECODE=$d -- $DL; done
# splits (default 128 at 8 KV heads), also with rows 8
for s in 64 256; do bench "dense splits $s" X=1 -- $DL --splits $s; done
for s in 64 256; do bench "dense decode 128,8,0 splits $s" LIL_ATTN_DECODE=128,8,0 -- $DL --splits $s; done
# quest: splits over the selection (default: those 128 pages can use = 64; 0 = n_splits = 128)
for s in 0 16 32; do bench "quest sel_splits $s" LIL_ATTN_SEL_SPLITS=$s -- $Q32; done
bench "quest minmax separate" LIL_KV_MINMAX=separate -- $Q32
bench "quest decode 128,8,0" LIL_ATTN_DECODE=128,8,0 -- $Q32
cat "$OUT/gpu.txt" "$OUT/tests.txt" "$OUT/bench.txt"
