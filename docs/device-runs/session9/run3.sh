#!/usr/bin/env bash
# Session 9, last GPU call (run2.sh cut to the device time left after failed machine starts): test_attention with validation
# (every tensor-core prefill shape against the CPU reference); bench prefill on random-weight
# qwen3-0.6b Q8_0 for each shape (4 subgroups x 32 keys, 4 x 64, 8 x 32; K / V from the F32 inputs
# or, suffix c, the f16 paged cache); bench decode on qwen3-0.6b; versus.sh on llama-8b Q4_0 (lil against
# llama.cpp's Vulkan backend, same call). Outputs are written as they come (a cut call keeps what finished).
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
mkdir -p /tmp/b && tar -C /tmp -xJf .carry/b.tar.xz
ln -sfn $PWD/assets /tmp/assets
B=/tmp/b; L=$B/cli/lil; SH=.carry/shared; V=$SH/tokenizer-tests/ggml-vocab-qwen2.gguf
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >"$OUT/gpu.txt" 2>&1
{ s=$SECONDS; echo "== test_attention"
  LIL_VALIDATE=1 timeout 120 "$B/tests/test_attention" 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head -20
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"; } >"$OUT/tests.txt" 2>&1
python3 $SH/peer/synth_gguf.py qwen3-0.6b q8_0 $V /tmp/q06.gguf >/dev/null
for v in w4k32 w4k64 w8k32 w4k32c w8k32c; do
  echo "== qwen3-0.6b q8_0 LIL_ATTN_PREFILL=$v"
  LIL_ATTN_PREFILL=$v timeout 40 "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --json
done >"$OUT/bench-prefill-q06.txt" 2>&1
echo "== qwen3-0.6b q8_0" >"$OUT/bench-decode.txt"
timeout 40 "$L" bench decode -m /tmp/q06.gguf --json >>"$OUT/bench-decode.txt" 2>&1
rm -f /tmp/q06.gguf
VS_MODELS="llama-8b:q4_0" timeout $((285 - SECONDS)) bash $SH/peer/versus.sh "$L" .peer >"$OUT/versus-8b-q4_0.txt" 2>&1
