#!/usr/bin/env bash
# Session 6, second H200 call: the q/k norm + RoPE folded into the KV append (kv_append_qk_*).
# Validation tests of the changed kernels, then end to end with the fused append (default) and
# the separate qk_norm_rope dispatch (LIL_ATTN_QK=separate, same binary), alternating, on the
# random-weight Qwen3-0.6B shape (Q4_0, Q8_0) and the Qwen3-8B shape (Q4_0).
set -u
mkdir -p gpu-carry && tar -C gpu-carry -xJf gpu-pack/carry.tar.xz
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
L=gpu-carry/cli/lil
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >$OUT/gpu.txt 2>&1
for t in test_attention test_model test_ops_basic test_vk_core; do
  echo "== $t"; LIL_VALIDATE=1 timeout 100 gpu-carry/tests/$t 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head
done >$OUT/tests.txt 2>&1
prompt=$(printf 'hello world %.0s' $(seq 1 40))
{
  for t in q4_0 q8_0; do
    python3 tools/make_synth_model.py /tmp/synth-$t.gguf --type $t >/dev/null || continue
    for rep in 1 2; do
      for qk in fused separate; do
        for p in dense quest; do
          echo "== synthetic qwen3-0.6b $t --sparse $p qk=$qk (rep $rep)"
          LIL_ATTN_QK=$qk $L run -m /tmp/synth-$t.gguf -p "$prompt" -n 256 --sparse $p --budget 128 2>&1 | tail -1
        done
      done
    done
    for qk in fused separate; do
      LIL_ATTN_QK=$qk $L run -m /tmp/synth-$t.gguf -p "$prompt" -n 8 --profile >/dev/null 2>$OUT/profile-$t-$qk.txt
    done
  done
} >$OUT/e2e.txt 2>&1
{
  python3 tools/make_synth_model.py /tmp/synth8b-q4_0.gguf --shape qwen3-8b --type q4_0 --random-blocks >/dev/null &&
    for rep in 1 2; do
      for qk in fused separate; do
        echo "== synthetic qwen3-8b q4_0 dense qk=$qk (rep $rep)"
        LIL_ATTN_QK=$qk $L run -m /tmp/synth8b-q4_0.gguf -p "$prompt" -n 128 2>&1 | tail -1
        echo "== synthetic qwen3-8b q4_0 dense qk=$qk --matvec-x8 (rep $rep)"
        LIL_ATTN_QK=$qk $L run -m /tmp/synth8b-q4_0.gguf -p "$prompt" -n 128 --matvec-x8 2>&1 | tail -1
      done
    done
} >$OUT/e2e8b.txt 2>&1
timeout 60 $L bench attention --kernels --contexts 1024,32768 --policies dense >$OUT/attention.txt 2>&1
cat $OUT/tests.txt $OUT/e2e.txt $OUT/e2e8b.txt
tar -czf /tmp/lil-all.tar.gz -C "$OUT" . && rm -f "$OUT"/* && mv /tmp/lil-all.tar.gz "$OUT/all.tar.gz"
