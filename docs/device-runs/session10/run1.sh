#!/usr/bin/env bash
# Session 10, first GPU call (session 9's run2.sh, which got no machine, plus a soak probe):
# test_attention with validation (every tensor-core prefill shape against the CPU reference);
# bench prefill on random-weight qwen3-0.6b Q8_0 for each shape (4 subgroups x 32 keys, 4 x 64,
# 8 x 32; suffix c: K / V from the f16 paged cache); bench decode qwen3-0.6b; versus.sh on llama-8b
# Q4_0 (lil against llama.cpp's Vulkan backend, same call); bench prefill / decode on llama-8b Q4_0;
# then the 100k-token soak (tools/gpu-soak.sh) for as many policies as the call has time for.
# Outputs are written as they come (a cut call keeps what finished).
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
for v in w4k32 w4k64 w8k32 w4k32c w8k32c w4k32p w4k64p w8k32p w4k32cp w4k64cp w8k32cp w4k32r w8k32r w4k32rp w4k32crp w4k64crp w8k32crp scalar; do
  echo "== qwen3-0.6b q8_0 LIL_ATTN_PREFILL=$v"
  LIL_ATTN_PREFILL=$v timeout 40 "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --json
done >"$OUT/bench-prefill-q06.txt" 2>&1
for v in w4k32 w4k32c w4k32cp w4k32r w4k32crp w8k32crp; do  # registers / spills of the attention and matmul pipelines
  LIL_PIPELINE_STATS=1 LIL_ATTN_PREFILL=$v timeout 30 "$L" bench prefill -m /tmp/q06.gguf --lengths 512 --iters 1 2>&1 | grep '^pipeline' | grep -E 'attn_prefill|matmul'
done >"$OUT/pipeline-stats.txt" 2>&1
echo "== qwen3-0.6b q8_0" >"$OUT/bench-decode.txt"
timeout 40 "$L" bench decode -m /tmp/q06.gguf --json >>"$OUT/bench-decode.txt" 2>&1
rm -f /tmp/q06.gguf
echo "after q06 $SECONDS" >>"$OUT/bench-decode.txt"
VS_MODELS="llama-8b:q4_0" timeout 150 bash $SH/peer/versus.sh "$L" .peer >"$OUT/versus-8b-q4_0.txt" 2>&1
python3 $SH/peer/synth_gguf.py llama-8b q4_0 $V /tmp/l8.gguf >/dev/null
{
echo "== llama-8b q4_0 default"
timeout 80 "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --json
PF8=$(python3 -c '
import json, sys
best = ("w4k32cp", 0.0)
for blk in open(sys.argv[1]).read().split("== ")[1:]:
    name = blk.split("\n")[0].split("=")[-1].strip()
    try: rows = json.JSONDecoder().raw_decode(blk[blk.index("{"):])[0]["rows"]
    except Exception: continue
    t = [r["tok_per_s"] for r in rows if r["tokens"] == 4096]
    if t and name != "scalar" and t[0] > best[1]: best = (name, t[0])
print(best[0])' "$OUT/bench-prefill-q06.txt" 2>/dev/null || echo w4k32cp); echo "== llama-8b q4_0 LIL_ATTN_PREFILL=$PF8"
LIL_ATTN_PREFILL=$PF8 timeout 60 "$L" bench prefill -m /tmp/l8.gguf --lengths 4096 --iters 2 --json
} >"$OUT/bench-prefill-8b.txt" 2>&1
echo "== llama-8b q4_0" >>"$OUT/bench-decode.txt"
timeout 60 "$L" bench decode -m /tmp/l8.gguf --json >>"$OUT/bench-decode.txt" 2>&1
rm -f /tmp/l8.gguf
echo "elapsed $SECONDS" >>"$OUT/bench-decode.txt"
left=$((585 - SECONDS))
if [ $left -gt 60 ]; then
  mkdir -p $OUT/soak
  OUT=$OUT/soak POLICIES="window quest h2o raas" LIMIT=$((left / 4)) bash tools/gpu-soak.sh $B >/dev/null 2>&1
fi
echo "total $SECONDS" >>"$OUT/bench-decode.txt"
