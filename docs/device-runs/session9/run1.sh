#!/usr/bin/env bash
# Session 9, first GPU call: the tensor-core prefill attention (attn_prefill_cm.comp).
# 1. test_attention and test_model with validation (the cm path against the CPU reference;
#    stories260K's ids exact);
# 2. lil bench prefill on random-weight qwen3-0.6b Q8_0 and llama-1b F16 (synth_gguf.py of the
#    peer), prompt lengths 512 / 4096: the new default (cm attention, matmul X converted to f16 once),
#    LIL_MATMUL_X16=0 (cm attention, f32 X) and the previous path (LIL_ATTN_PREFILL=scalar
#    LIL_MATMUL_X16=0), same binary, same call;
# 3. ../shared/peer/versus.sh (lil against llama.cpp's Vulkan backend) on those two shapes (the
#    8B shapes in the next call: their synthesis is slow).
# Carried: .gl (loader debs), .carry/b (release build: cli/lil, tests), .carry/shared (peer scripts
# and the qwen2 vocabulary), .peer (llama.cpp peer).
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
mkdir -p /tmp/b && tar -C /tmp -xJf .carry/b.tar.xz
ln -sfn $PWD/assets /tmp/assets
B=/tmp/b; L=$B/cli/lil; SH=.carry/shared
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >"$OUT/gpu.txt" 2>&1
"$L" devices --json >"$OUT/devices.json" 2>&1
for t in test_attention test_model; do
  s=$SECONDS; echo "== $t"
  LIL_VALIDATE=1 timeout 150 "$B/tests/$t" 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head -20
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"
done >"$OUT/tests.txt" 2>&1
V=$SH/tokenizer-tests/ggml-vocab-qwen2.gguf
{
for spec in qwen3-0.6b:q8_0 llama-1b:f16; do
  shape=${spec%%:*}; q=${spec##*:}; m=/tmp/bp-$shape-$q.gguf
  s=$SECONDS; python3 $SH/peer/synth_gguf.py $shape $q $V $m >/dev/null || { echo "synth $spec failed"; continue; }
  echo "== $spec (synth $((SECONDS - s)) s): default (cm attention, f16 X)"
  timeout 100 "$L" bench prefill -m $m --lengths 512,4096 --iters 3 --json
  echo "== $spec: LIL_MATMUL_X16=0 (cm attention, f32 X)"
  LIL_MATMUL_X16=0 timeout 100 "$L" bench prefill -m $m --lengths 512,4096 --iters 3 --json
  echo "== $spec: LIL_ATTN_PREFILL=scalar LIL_MATMUL_X16=0 (the previous path)"
  LIL_ATTN_PREFILL=scalar LIL_MATMUL_X16=0 timeout 100 "$L" bench prefill -m $m --lengths 512,4096 --iters 2 --json
  rm -f $m
done
} >"$OUT/bench-prefill.txt" 2>&1
s=$SECONDS
VS_MODELS="qwen3-0.6b:q8_0 llama-1b:f16" timeout $((570 - SECONDS)) bash $SH/peer/versus.sh "$L" .peer >"$OUT/versus.txt" 2>&1
echo "versus rc=$? seconds=$((SECONDS - s)) total=$SECONDS" >>"$OUT/versus.txt"
