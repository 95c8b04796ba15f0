#!/usr/bin/env bash
# Session 17's second GPU call: decode attention with 256 workgroups per layer (32 splits per KV head
# for 8 KV heads; was 512 / 64), chosen from run1.
#  0. test_attention (the GPU default splits changed) and test_ops_matvec_glu (the epilogue include),
#     validation on
#  1. decode A/B at a 4096 prompt, alternating twice: default against LIL_ATTN_SPLITS=64 (the old
#     default), llama-8b Q4_0 and qwen3-0.6b Q8_0, and the fused merge (fewer splits to merge now) on
#     llama-8b
#  2. versus.sh llama-8b Q4_0, qwen3-0.6b Q8_0
#  3. `lil bench attention` dense, llama-8b's heads, 512 / 4096 / 32768: default (32) against --splits
#     64 and 128 (long contexts must not regress)
#  4. versus.sh llama-8b Q4_0 again (llama.cpp's first 512 run of a call is anomalous), llama-8b
#     Q8_0, llama-1b F16 (little device time was left: run with DEADLINE=290)
#  5. `lil bench decode --profile` llama-8b Q4_0 at 4096
DEADLINE=${DEADLINE:-420}
source docs/device-runs/call-setup.sh
t 60 test_attention test_ops_matvec_glu >$R/tests.txt 2>&1
pack tests
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
ab() { local m=$1 p=$2; shift 2; for rep in 1 2; do for e in "$@"; do
  [ $(left) -gt 40 ] && ( export $e; bp "$m p$p $e" "$L" bench decode -m /tmp/$m.gguf --prompt $p --tokens 64 --iters 2 --json )
done; done; }
{ ab l8 4096 LIL_ATTN_SPLITS=0 LIL_ATTN_SPLITS=64 LIL_ATTN_MERGE=fused
  ab q06 4096 LIL_ATTN_SPLITS=0 LIL_ATTN_SPLITS=64; } >$R/decode-splits.txt 2>&1
pack splits
vs() { for m in "$@"; do
  [ $(left) -gt 70 ] && { echo "== $m"; VS_LIL_ARGS=--warmup VS_MODELS=$m timeout $(( $(left) < 110 ? $(left) : 110 )) bash $SH/peer/versus.sh "$L" .peer; } >>$R/versus.txt 2>&1
  pack versus-$m; done; }
vs llama-8b:q4_0 qwen3-0.6b:q8_0
for a in "" "--splits 64" "--splits 128"; do
  [ $(left) -gt 100 ] && bp "attention $a" "$L" bench attention --contexts 512,4096,32768 --policies dense --heads 32 --kv-heads 8 --head-dim 128 --iters 20 --json $a
done >$R/attention.txt 2>&1
pack attention
vs llama-8b:q4_0 llama-8b:q8_0 llama-1b:f16
[ $(left) -gt 25 ] && bp "l8 decode --profile --prompt 4096" "$L" bench decode -m /tmp/l8.gguf --prompt 4096 --tokens 64 --iters 2 --profile --json >$R/decode-profile.txt 2>&1
pack end
