#!/usr/bin/env bash
# Session 12, the combined GPU call (device time is scarce: tests, measurements and the comparison
# with llama.cpp in one go). build-gpu of main carried as .dev/b.tar.xz (cli/lil,
# tests/test_{attention,model,ops_basic,ops_matmul}), the peer as .peer, versus.sh and synth_gguf.py
# as .dev/shared/peer. One tar ($OUT/r.tar.gz), re-packed after each step (a cut call keeps what
# finished). Steps, most important first:
#  1. tests with validation (libnvidia-tls preloaded, see docs/benchmarks.md): test_attention (the
#     w8k32crp prefill attention against the CPU reference), test_model (RMSNorm / SwiGLU writing the
#     matmul's f16 X, default) and again with LIL_PREFILL_W16=1 (weights decoded to f16 first),
#     test_ops_basic, test_ops_matmul (the new tiles, the default, and the w16 path)
#  2. lil bench prefill --profile, llama-8b Q4_0 and qwen3-0.6b Q8_0 at 512 / 4096: default, then
#     LIL_X16_DIRECT=0 (before this session) and LIL_PREFILL_W16=1
#  3. versus.sh (lil run --warmup, as the peer's PEER_WARM) for both models
#  4. lil bench kernels: Q4_0 / F16 matmul designs at the 8B projection shapes, and Q4_0 with w16
#  5. prefill per matmul design (LIL_PREFILL_MATMUL) on llama-8b
#  6. lil bench decode llama-8b Q4_0 and qwen3-0.6b Q8_0: default, LIL_DISABLE=narrowbarrier (the
#     barriers before this session), LIL_MATVEC_X8=auto; one profiled 8B decode step
DEADLINE=${DEADLINE:-560}
source docs/device-runs/call-setup.sh
t 150 test_attention >$R/tests.txt 2>&1; pack attn
t 60 test_model test_ops_basic >>$R/tests.txt 2>&1
LIL_PREFILL_W16=1 EXTRA=LIL_PREFILL_W16=1 t 60 test_model >>$R/tests.txt 2>&1; pack tests2
LIL_TEST_MATMUL_VARIANTS=128x128w16_p2,64x128w4_p2,128x256w8_p2 t 90 test_ops_matmul >>$R/tests.txt 2>&1; pack tests3
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
bp "l8 default" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --profile --json >$R/prefill-l8.txt 2>&1
bp "q06 default" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --profile --json >$R/prefill-q06.txt 2>&1
pack profile

ATT=; grep -q "^100%" <(sed -n '/== test_attention/,/rc=/p' $R/tests.txt) && ATT=w8k32crp
echo "versus with LIL_ATTN_PREFILL=${ATT:-default}" >$R/versus.txt
for m in llama-8b:q4_0 qwen3-0.6b:q8_0; do
  [ $(left) -gt 60 ] && LIL_ATTN_PREFILL=$ATT VS_LIL_ARGS=--warmup VS_MODELS=$m timeout 100 bash $SH/peer/versus.sh "$L" .peer >>$R/versus.txt 2>&1
  pack versus-$m
done
for e in LIL_X16_DIRECT=0 LIL_PREFILL_W16=1; do
  [ $(left) -gt 150 ] && ( export $e; bp "l8 $e" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --profile --json ) >>$R/prefill-l8.txt 2>&1
  [ $(left) -gt 140 ] && ( export $e; bp "q06 $e" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --profile --json ) >>$R/prefill-q06.txt 2>&1
done; pack ab
for v in default LIL_DISABLE=narrowbarrier LIL_MATVEC_X8=auto; do
  [ $(left) -gt 60 ] && { echo "== q06 $v"; env $([ $v = default ] || echo $v) timeout 20 "$L" bench decode -m /tmp/q06.gguf --json; }
  [ $(left) -gt 50 ] && { echo "== l8 $v"; env $([ $v = default ] || echo $v) timeout 30 "$L" bench decode -m /tmp/l8.gguf --json; }
done >$R/decode.txt 2>&1; pack decode
[ $(left) -gt 100 ] && LIL_MATMUL_TYPES=q4_0,f16 LIL_MATMUL_VARIANT=128x128w16_p2,128x128w4_p2,64x128w4_p2,64x64w4_p2,128x256w8_p2 \
  LIL_MATMUL_SHAPES=512x4096x4096,512x1024x4096,512x14336x4096,512x4096x14336,4096x4096x4096,4096x14336x4096,4096x4096x14336 \
  timeout $(( $(left) - 70 )) "$L" bench kernels --filter matmul_cm --iters 5 --json >$R/matmul.txt 2>&1; pack matmul
[ $(left) -gt 75 ] && LIL_MATMUL_W16=1 LIL_MATMUL_TYPES=q4_0 LIL_MATMUL_VARIANT=128x128w16_p2,128x256w8_p2 \
  LIL_MATMUL_SHAPES=512x4096x4096,512x14336x4096,4096x4096x4096,4096x14336x4096,4096x4096x14336 \
  timeout $(( $(left) - 55 )) "$L" bench kernels --filter matmul_cm --iters 5 --json >$R/matmul-w16.txt 2>&1; pack matmulw16
for v in 64x128w4_p2 128x256w8_p2; do
  [ $(left) -gt 90 ] && LIL_PREFILL_MATMUL=$v bp "l8 $v" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --json
done >$R/prefill-l8-designs.txt 2>&1; pack designs

[ $(left) -gt 12 ] && timeout $(left) "$L" run -m /tmp/l8.gguf -p "hello world" -n 16 --profile >/dev/null 2>$R/decode-l8-profile.txt
pack end
