#!/usr/bin/env bash
# Session 14, second GPU call: this session's prefill changes (qk_norm_rope with several heads of a
# token per workgroup, weights decoded to f16 ahead in two scratch halves, Q8_0 decoded from 512
# tokens) checked and measured in one go. build-gpu of main carried as .dev/b.tar.xz (cli/lil,
# tests/test_{attention,model,ops_basic,ops_matvec_x8i,ops_matmul}), the peer as .peer, versus.sh and
# synth_gguf.py as .dev/shared/peer.
#  1. test_ops_basic (qk_norm_rope up to 4100 tokens), test_ops_matmul (w16 decoded ahead, 64x64 +
#     default design), test_model with LIL_PREFILL_W16=1 (the model's prefill decoding ahead)
#  2. lil bench prefill --profile: llama-8b Q4_0, qwen3-0.6b Q8_0, llama-1b F16 at 512 / 4096
#  3. versus.sh on the four shapes, lil run --warmup
#  4. A/B: LIL_PREFILL_W16_AHEAD=0 (llama-8b Q4_0, qwen3-0.6b Q8_0); the binary before this session's
#     changes (60cb702, .dev/base.tar.xz) on the same card when it is not run1's H100: bench prefill;
#     LIL_ATTN_PREFILL=w8k64crp (new: 64 keys per staged tile, the scratch over the tiles)
#  5. test_attention (the REGSM scratch change, w8k64r / w8k64crp against the CPU reference)
DEADLINE=${DEADLINE:-540}
source docs/device-runs/call-setup.sh
t 90 test_ops_basic >$R/tests.txt 2>&1
LIL_TEST_MATMUL_VARIANTS=64x64w4_p2 t 60 test_ops_matmul >>$R/tests.txt 2>&1
LIL_PREFILL_W16=1 EXTRA=LIL_PREFILL_W16=1 t 60 test_model >>$R/tests.txt 2>&1
t 90 test_attention >>$R/tests.txt 2>&1; pack tests
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
"$L" synth llama-1b f16 -o /tmp/l1.gguf >/dev/null 2>>$R/synth.txt
bp "l8 default" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --profile --json >$R/prefill-l8.txt 2>&1
bp "q06 default" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --profile --json >$R/prefill-q06.txt 2>&1
bp "l1 default" "$L" bench prefill -m /tmp/l1.gguf --lengths 512,4096 --iters 3 --profile --json >$R/prefill-l1.txt 2>&1
pack prefill
for m in l8 q06 l1; do
  LIL_ATTN_PREFILL=w8k64crp bp "$m LIL_ATTN_PREFILL=w8k64crp" "$L" bench prefill -m /tmp/$m.gguf --lengths 4096 --iters 2 --json
done >$R/prefill-w8k64.txt 2>&1
pack w8k64
# session 14 run1 was on the H100 80GB HBM3: on another card, the binary before this session too
if ! grep -q "H100 80GB HBM3" $R/gpu.txt; then
  mkdir -p /tmp/base && tar -C /tmp -xJf .dev/base.tar.xz
  for m in l8 q06 l1; do
    bp "$m base 60cb702" /tmp/base/cli/lil bench prefill -m /tmp/$m.gguf --lengths 512,4096 --iters 2 --json
  done >$R/prefill-base.txt 2>&1
  pack base
fi
vs() { for m in "$@"; do
  [ $(left) -gt 75 ] && VS_LIL_ARGS=--warmup VS_MODELS=$m timeout $(( $(left) < 110 ? $(left) : 110 )) bash $SH/peer/versus.sh "$L" .peer >>$R/versus.txt 2>&1
  pack versus-$m; done; }
vs llama-8b:q4_0 qwen3-0.6b:q8_0 llama-1b:f16 llama-8b:q8_0
[ $(left) -gt 50 ] && LIL_PREFILL_W16_AHEAD=0 bp "l8 LIL_PREFILL_W16_AHEAD=0" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --json >$R/prefill-ab.txt 2>&1
[ $(left) -gt 40 ] && LIL_PREFILL_W16_AHEAD=0 bp "q06 LIL_PREFILL_W16_AHEAD=0" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --json >>$R/prefill-ab.txt 2>&1
pack end
