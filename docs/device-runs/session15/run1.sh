#!/usr/bin/env bash
# Session 15's first GPU call (prepared in session 14 as its second call, which never got a machine:
# only its short form session14/run3.sh ran): session 14's prefill changes (qk_norm_rope with several heads of a token per
# workgroup, weights decoded to f16 ahead in two scratch halves, Q8_0 decoded from 512 tokens, w8k64
# attention tiles) measured on every shape, most important first, then the w16 threshold below 512
# tokens (versus.sh's "512" prompt is 507 tokens). build-gpu of main carried as .dev/b.tar.xz (cli/lil,
# tests/test_{attention,model,ops_basic,ops_matvec_x8i,ops_matmul}), the binary before the session
# (60cb702) as .dev/base.tar.xz, the peer as .peer, versus.sh and synth_gguf.py as .dev/shared/peer.
#  1. tests with validation: test_ops_basic (qk_norm_rope up to 4100 tokens), test_model with
#     LIL_PREFILL_W16=1 (the model's prefill decoding ahead), test_attention (w8k64r / w8k64crp, the
#     REGSM scratch over the tiles), test_ops_matmul (w16 decoded ahead; 64x64 + default design)
#  2. versus.sh llama-8b Q4_0 (lil run --warmup)
#  3. lil bench prefill --profile: llama-8b Q4_0 and llama-1b F16 at 512 / 4096
#  4. LIL_ATTN_PREFILL=w8k64crp: llama-8b Q4_0, qwen3-0.6b Q8_0, llama-1b F16 at 4096
#  5. versus.sh llama-1b F16, qwen3-0.6b Q8_0, llama-8b Q8_0
#  6. qwen3-0.6b --profile; on a card other than session 14's H100 the 60cb702 binary's prefill;
#     LIL_PREFILL_W16_AHEAD=0 on llama-8b
#  2b. decode: the q/k transform + KV append in the decode kernel (d) against LIL_ATTN_QK=append (a)
#     and with LIL_ATTN_MERGE=fused too (f) (llama-8b Q4_0, qwen3-0.6b Q8_0, alternating), and one
#     step's profile each
#  7. the w16 threshold: llama-8b Q4_0 and qwen3-0.6b Q8_0 at 256 / 384 / 507 tokens, default (no
#     w16 under 512) against LIL_PREFILL_W16=1 (always)
DEADLINE=${DEADLINE:-540}
source docs/device-runs/call-setup.sh
t 60 test_ops_basic >$R/tests.txt 2>&1
LIL_PREFILL_W16=1 EXTRA=LIL_PREFILL_W16=1 t 60 test_model >>$R/tests.txt 2>&1
t 60 test_attention >>$R/tests.txt 2>&1
LIL_TEST_MATMUL_VARIANTS=64x64w4_p2 t 60 test_ops_matmul >>$R/tests.txt 2>&1; pack tests
vs() { for m in "$@"; do
  [ $(left) -gt 75 ] && VS_LIL_ARGS=--warmup VS_MODELS=$m timeout $(( $(left) < 110 ? $(left) : 110 )) bash $SH/peer/versus.sh "$L" .peer >>$R/versus.txt 2>&1
  pack versus-$m; done; }
vs llama-8b:q4_0
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
"$L" synth llama-1b f16 -o /tmp/l1.gguf >/dev/null 2>>$R/synth.txt
# the q/k transform + KV append folded into the dense decode kernel (attn_decode.comp QK_APPEND)
# against the append path (LIL_ATTN_QK=append) and with the merge folded in too
# (LIL_ATTN_MERGE=fused), alternating; one decode step's profile each
dq() { case $1 in a) export LIL_ATTN_QK=append;; f) export LIL_ATTN_MERGE=fused;; esac; }
for x in l8:d l8:a l8:f q06:d q06:a q06:f l8:d l8:a l8:f q06:d q06:a q06:f; do m=${x%:*}
  [ $(left) -gt 60 ] && ( dq ${x#*:}; bp "$m decode ${x#*:} QK=${LIL_ATTN_QK:-} MERGE=${LIL_ATTN_MERGE:-}" "$L" bench decode -m /tmp/$m.gguf --iters 2 --json )
done >$R/decode-fold.txt 2>&1
for x in l8:d l8:a l8:f q06:d q06:f; do m=${x%:*}
  [ $(left) -gt 60 ] && ( dq ${x#*:}; bp "$m profile ${x#*:} QK=${LIL_ATTN_QK:-} MERGE=${LIL_ATTN_MERGE:-}" "$L" run -m /tmp/$m.gguf -p "Once upon a time" -n 16 --profile )
done >$R/decode-profile.txt 2>&1
pack decode
[ $(left) -gt 40 ] && bp "l8 default" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --profile --json >$R/prefill-l8.txt 2>&1
[ $(left) -gt 40 ] && bp "l1 default" "$L" bench prefill -m /tmp/l1.gguf --lengths 512,4096 --iters 3 --profile --json >$R/prefill-l1.txt 2>&1
pack prefill
for m in l8 q06 l1; do
  [ $(left) -gt 30 ] && LIL_ATTN_PREFILL=w8k64crp bp "$m LIL_ATTN_PREFILL=w8k64crp" "$L" bench prefill -m /tmp/$m.gguf --lengths 4096 --iters 2 --json
done >$R/prefill-w8k64.txt 2>&1
pack w8k64
vs llama-1b:f16 qwen3-0.6b:q8_0 llama-8b:q8_0
[ $(left) -gt 30 ] && bp "q06 default" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --profile --json >$R/prefill-q06.txt 2>&1
# session 14 run1 was on the H100 80GB HBM3: on another card, the binary before this session too
if ! grep -q "H100 80GB HBM3" $R/gpu.txt; then
  mkdir -p /tmp/base && tar -C /tmp -xJf .dev/base.tar.xz
  for m in l8 q06 l1; do
    [ $(left) -gt 25 ] && bp "$m base 60cb702" /tmp/base/cli/lil bench prefill -m /tmp/$m.gguf --lengths 512,4096 --iters 2 --json
  done >$R/prefill-base.txt 2>&1
fi
[ $(left) -gt 25 ] && LIL_PREFILL_W16_AHEAD=0 bp "l8 LIL_PREFILL_W16_AHEAD=0" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --json >$R/prefill-ab.txt 2>&1
for m in l8 q06; do for e in LIL_PREFILL_W16=-1 LIL_PREFILL_W16=1; do
  [ $(left) -gt 25 ] && ( [ $e = LIL_PREFILL_W16=-1 ] || export $e; bp "$m $e" "$L" bench prefill -m /tmp/$m.gguf --lengths 256,384,507 --iters 3 --json )
done; done >$R/prefill-threshold.txt 2>&1
pack end
