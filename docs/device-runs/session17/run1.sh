#!/usr/bin/env bash
# Session 17's first GPU call: is x quantized once per layer input (LIL_X8_PREQUANT=1, session 16,
# never run on a GPU) faster end to end, and versus with session 16's defaults and warmup.
#  0. test_ops_matvec_fin and test_model (the goldens through the pre-quantized path), validation on
#  1. decode A/B llama-8b Q4_0, alternating twice: LIL_X8_PREQUANT=0 / 1 at 512 and 4096 prompts
#  2. `lil bench decode --profile` llama-8b Q4_0 at 512 with LIL_X8_PREQUANT=1
#  2b. decode attention alone (`lil bench attention`, dense, llama-8b's 32 / 8 heads at 512 / 4096):
#     splits per KV head 8 / 16 / 32 / auto, decode shapes 64,4,1 / 128,8,1; then end to end at a 4096
#     prompt: LIL_ATTN_SPLITS=16 / 32 against the default (64), llama-8b Q4_0 and qwen3-0.6b Q8_0
#  3. qwen3-0.6b Q8_0 (matvec16): LIL_MATVEC_Q16=4,1 against the default, twice
#  4. versus.sh qwen3-0.6b Q8_0, llama-8b Q4_0 (defaults), llama-8b Q4_0 with LIL_X8_PREQUANT=1
#  5. versus.sh llama-1b F16 and llama-8b Q8_0
DEADLINE=${DEADLINE:-500}
source docs/device-runs/call-setup.sh
t 60 test_ops_matvec_fin test_model >$R/tests.txt 2>&1
pack tests
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
ab() { local m=$1 p=$2; shift 2; for rep in 1 2; do for e in "$@"; do
  [ $(left) -gt 40 ] && ( export $e; bp "$m p$p $e" "$L" bench decode -m /tmp/$m.gguf --prompt $p --tokens 64 --iters 2 --json )
done; done; }
{ ab l8 512 LIL_X8_PREQUANT=0 LIL_X8_PREQUANT=1; ab l8 4096 LIL_X8_PREQUANT=0 LIL_X8_PREQUANT=1; } >$R/decode-ab-l8.txt 2>&1
pack ab-l8
[ $(left) -gt 60 ] && LIL_X8_PREQUANT=1 bp "l8 prequant decode --profile --prompt 512" "$L" bench decode -m /tmp/l8.gguf --prompt 512 --tokens 64 --iters 2 --profile --json >$R/decode-profile.txt 2>&1
pack profile
for a in "" "--splits 8" "--splits 16" "--splits 32"; do for e in LIL_ATTN_DECODE=0 LIL_ATTN_DECODE=64,4,1 LIL_ATTN_DECODE=128,8,1; do
  [ $(left) -gt 200 ] && ( export $e; bp "attention $e $a" "$L" bench attention --contexts 512,4096 --policies dense --heads 32 --kv-heads 8 --head-dim 128 --iters 30 --kernels --json $a )
done; done >$R/attention.txt 2>&1
pack attention
{ ab l8 4096 LIL_ATTN_SPLITS=0 LIL_ATTN_SPLITS=16 LIL_ATTN_SPLITS=32; ab q06 4096 LIL_ATTN_SPLITS=0 LIL_ATTN_SPLITS=16; } >$R/decode-splits.txt 2>&1
pack splits
ab q06 512 LIL_MATVEC_Q16=0 LIL_MATVEC_Q16=4,1 >$R/decode-ab-q06.txt 2>&1
pack ab-q06
vs() { local tag=$1; shift; for m in "$@"; do
  [ $(left) -gt 70 ] && { echo "== $tag $m"; VS_LIL_ARGS=--warmup VS_MODELS=$m timeout $(( $(left) < 110 ? $(left) : 110 )) bash $SH/peer/versus.sh "$L" .peer; } >>$R/versus.txt 2>&1
  pack versus-$tag-$m; done; }
vs default qwen3-0.6b:q8_0 llama-8b:q4_0
( export LIL_X8_PREQUANT=1; vs prequant llama-8b:q4_0 )
vs default llama-1b:f16 llama-8b:q8_0
pack end
