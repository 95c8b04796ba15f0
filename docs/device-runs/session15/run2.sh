#!/usr/bin/env bash
# Session 15's second GPU call: the defaults after run1 (quantized weights decoded to f16 from 256
# tokens, w8k64crp prefill attention at head_dim 128, the q/k transform + KV append in the decode
# kernel) on all four versus shapes, decode at a 4096 prompt with decode-kernel shapes, prefill at
# 256 / 507 / 4096, then test_attention with validation. build-gpu of main as .dev/b.tar.xz.
DEADLINE=${DEADLINE:-380}
source docs/device-runs/call-setup.sh
vs() { for m in "$@"; do
  [ $(left) -gt 75 ] && VS_LIL_ARGS=--warmup VS_MODELS=$m timeout $(( $(left) < 110 ? $(left) : 110 )) bash $SH/peer/versus.sh "$L" .peer >>$R/versus.txt 2>&1
  pack versus-$m; done; }
vs llama-8b:q4_0 qwen3-0.6b:q8_0 llama-1b:f16 llama-8b:q8_0
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
# decode at a 4096 prompt: the default decode-kernel shape (128 threads, 4 rows, prefetch) and two others
for x in q06:d l8:d q06:256,4,1 l8:256,4,1 q06:64,4,1 l8:64,4,1 q06:d l8:d; do m=${x%:*}; s=${x#*:}
  [ $(left) -gt 50 ] && ( [ $s = d ] || export LIL_ATTN_DECODE=$s; bp "$m decode 4096 LIL_ATTN_DECODE=${LIL_ATTN_DECODE:-default}" "$L" bench decode -m /tmp/$m.gguf --prompt 4096 --iters 2 --json )
done >$R/decode-4096.txt 2>&1
pack decode
for m in l8 q06; do
  [ $(left) -gt 40 ] && bp "$m prefill" "$L" bench prefill -m /tmp/$m.gguf --lengths 256,507,4096 --iters 2 --json
done >$R/prefill.txt 2>&1
pack prefill
[ $(left) -gt 60 ] && t 60 test_attention >$R/tests.txt 2>&1
pack end
