#!/usr/bin/env bash
# Session 5, fourth H200 call: after the decode attention's prefetch became the GPU default
# (LIL_ATTN_DECODE=128,4,1 in call 3): test_attention and test_model with validation, the full
# attention table (every policy, 1k..128k), the e2e dense/quest runs on the Q4_0 synthetic model.
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
L=gpu-carry/cli/lil
for t in test_attention test_model; do
  echo "== $t"; LIL_VALIDATE=1 timeout 60 gpu-carry/tests/$t 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head
done >$OUT/tests.txt 2>&1
timeout 150 $L bench attention --kernels >$OUT/attention.txt 2>&1
prompt=$(printf 'hello world %.0s' $(seq 1 40))
python3 tools/make_synth_model.py /tmp/synth-q4_0.gguf --type q4_0 >/dev/null 2>&1 &&
  for p in dense quest; do
    echo "== synthetic qwen3-0.6b q4_0 --sparse $p"
    $L run -m /tmp/synth-q4_0.gguf -p "$prompt" -n 256 --sparse $p --budget 128 2>&1 | tail -1
  done >$OUT/e2e.txt 2>&1
cat $OUT/tests.txt $OUT/e2e.txt
