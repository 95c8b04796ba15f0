#!/usr/bin/env bash
# Session 13, second GPU call: the new defaults (prefill attention w8k32crp, quantized weights decoded
# to f16 before prefill matmuls of >= 512 tokens (Q8_0 >= 1024), the 128x256 tile for large
# products, the integer-dot decode matvec for Q4_0) checked and measured in one go. build-gpu of main
# carried as .dev/b.tar.xz (cli/lil, tests/test_{attention,model,ops_matvec_x8i,ops_matmul}), the peer as
# .peer, versus.sh and synth_gguf.py as .dev/shared/peer. One tar ($OUT/r.tar.gz), re-packed after
# each step.
#  1. test_model (its prefill matmuls now on 64x64w4_p2, the design for small products),
#     test_ops_matvec_x8i, test_ops_matmul for 64x64w4_p2, with validation (libnvidia-tls preloaded)
#  2. lil bench prefill --profile, llama-8b Q4_0 and qwen3-0.6b Q8_0 at 512 / 1024 / 4096
#  3. versus.sh, llama-8b Q4_0 and qwen3-0.6b Q8_0, lil run --warmup
#  4. lil bench decode: default, LIL_ATTN_MERGE=fused, LIL_MATVEC_X8=0; qwen3-0.6b at a 4096 prompt;
#     then versus.sh for llama-1b F16 and llama-8b Q8_0
#  5. prefill A/B: qwen3-0.6b LIL_PREFILL_MATMUL=128x128w16_p2 (the tile before), LIL_PREFILL_W16=512
#     / =0 (the Q8_0 threshold), llama-8b
#     LIL_PREFILL_MATMUL=128x128w16_p2 (the tile before)
#  6. test_attention (the default prefill attention is now w8k32crp)
DEADLINE=${DEADLINE:-540}
source docs/device-runs/call-setup.sh
t 60 test_model >$R/tests.txt 2>&1
LIL_TEST_MATMUL_VARIANTS=64x64w4_p2 t 60 test_ops_matmul >>$R/tests.txt 2>&1; pack tests
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
bp "l8 default" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,1024,4096 --iters 2 --profile --json >$R/prefill-l8.txt 2>&1
bp "q06 default" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,1024,4096 --iters 3 --profile --json >$R/prefill-q06.txt 2>&1
pack prefill
vs() { for m in "$@"; do
  [ $(left) -gt 75 ] && VS_LIL_ARGS=--warmup VS_MODELS=$m timeout $(( $(left) < 110 ? $(left) : 110 )) bash $SH/peer/versus.sh "$L" .peer >>$R/versus.txt 2>&1
  pack versus-$m; done; }
vs llama-8b:q4_0 qwen3-0.6b:q8_0
for v in default LIL_ATTN_MERGE=fused LIL_MATVEC_X8=0; do
  [ $(left) -gt 90 ] && { echo "== q06 $v"; env $([ $v = default ] || echo $v) timeout 20 "$L" bench decode -m /tmp/q06.gguf --json; }
  [ $(left) -gt 80 ] && { echo "== l8 $v"; env $([ $v = default ] || echo $v) timeout 30 "$L" bench decode -m /tmp/l8.gguf --json; }
done >$R/decode.txt 2>&1
[ $(left) -gt 80 ] && { echo "== q06 prompt 4096"; timeout 30 "$L" bench decode -m /tmp/q06.gguf --prompt 4096 --json; } >>$R/decode.txt 2>&1
pack decode
vs llama-1b:f16 llama-8b:q8_0
for e in LIL_PREFILL_MATMUL=128x128w16_p2 LIL_PREFILL_W16=512 LIL_PREFILL_W16=0; do
  [ $(left) -gt 80 ] && ( export $e; bp "q06 $e" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,1024,4096 --iters 3 --json )
done >$R/prefill-ab.txt 2>&1
[ $(left) -gt 80 ] && LIL_PREFILL_MATMUL=128x128w16_p2 bp "l8 LIL_PREFILL_MATMUL=128x128w16_p2" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,1024,4096 --iters 2 --json >>$R/prefill-ab.txt 2>&1
pack ab
[ $(left) -gt 75 ] && t $(( $(left) - 5 )) test_attention >>$R/tests.txt 2>&1
pack end
