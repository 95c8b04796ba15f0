#!/usr/bin/env bash
# Session 9, second GPU call: the prefill attention's tensor-core shapes (4 subgroups x 32 keys,
# 4 x 64, 8 x 32; K / V from the F32 inputs or, suffix c, the f16 paged cache); bench prefill and bench decode on random-weight
# qwen3-0.6b Q8_0 and llama-8b Q4_0; test_attention with validation (every shape against the CPU
# reference); versus.sh on all four shapes (lil against llama.cpp's Vulkan backend, same call).
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
mkdir -p /tmp/b && tar -C /tmp -xJf .carry/b.tar.xz
ln -sfn $PWD/assets /tmp/assets
B=/tmp/b; L=$B/cli/lil; SH=.carry/shared; V=$SH/tokenizer-tests/ggml-vocab-qwen2.gguf
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >"$OUT/gpu.txt" 2>&1
{ s=$SECONDS; echo "== test_attention"
  LIL_VALIDATE=1 timeout 150 "$B/tests/test_attention" 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head -20
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"; } >"$OUT/tests.txt" 2>&1
python3 $SH/peer/synth_gguf.py qwen3-0.6b q8_0 $V /tmp/q06.gguf >/dev/null
python3 $SH/peer/synth_gguf.py llama-8b q4_0 $V /tmp/l8.gguf >/dev/null
{
for v in w4k32 w4k64 w8k32 w4k32c w8k32c; do
  echo "== qwen3-0.6b q8_0 LIL_ATTN_PREFILL=$v"
  LIL_ATTN_PREFILL=$v timeout 60 "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --json
done
echo "== llama-8b q4_0 default"
timeout 120 "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --json
for v in w8k32 w8k32c; do
  echo "== llama-8b q4_0 LIL_ATTN_PREFILL=$v"
  LIL_ATTN_PREFILL=$v timeout 120 "$L" bench prefill -m /tmp/l8.gguf --lengths 4096 --iters 2 --json
done
} >"$OUT/bench-prefill.txt" 2>&1
{
echo "== qwen3-0.6b q8_0"; timeout 60 "$L" bench decode -m /tmp/q06.gguf --json
echo "== llama-8b q4_0"; timeout 90 "$L" bench decode -m /tmp/l8.gguf --json
} >"$OUT/bench-decode.txt" 2>&1
rm -f /tmp/q06.gguf /tmp/l8.gguf
s=$SECONDS
timeout $((585 - SECONDS)) bash $SH/peer/versus.sh "$L" .peer >"$OUT/versus.txt" 2>&1
echo "versus rc=$? seconds=$((SECONDS - s)) total=$SECONDS" >>"$OUT/versus.txt"
