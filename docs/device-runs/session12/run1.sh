#!/usr/bin/env bash
# Session 12, first call (measurements to direct the work; build-gpu of the session's first commit
# carried as .dev/b.tar.xz: cli/lil, tests/test_{attention,model,ops_basic,ops_matmul}). One tar
# ($OUT/r.tar.gz), re-packed after each step so that a cut call keeps what finished:
#  1. test_attention with validation (libnvidia-tls preloaded, see docs/benchmarks.md): the
#     w8k32crp prefill attention against the CPU reference
#     test_model and test_ops_basic (RMSNorm / SwiGLU writing the matmul's f16 X directly)
#  2. lil bench prefill --profile on llama-8b Q4_0 and qwen3-0.6b Q8_0 (512, 4096): GPU time per
#     kernel and projection
#     and the A/B of the session's two prefill changes: LIL_X16_DIRECT=0 (RMSNorm / SwiGLU then a
#     conversion pass, as before), LIL_PREFILL_W16=1 (quantized weights decoded to f16 before each
#     matmul, then the F16 design)
#  3. the same per prefill matmul design (LIL_PREFILL_MATMUL), and w8k32crp attention
#  4. lil bench kernels, matmul Q4_0 at the 8B projection shapes, selected designs
#  5. lil bench decode llama-8b Q4_0 (default, LIL_MATVEC_X8=auto) and one profiled decode step
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
mkdir -p /tmp/b && tar -C /tmp -xJf .dev/b.tar.xz
ln -sfn $PWD/assets /tmp/assets
B=/tmp/b; L=$B/cli/lil; R=/tmp/r; mkdir -p $R
TLS=$(ls /usr/local/nvidia/lib64/libnvidia-tls.so.* 2>/dev/null | head -1)
DEADLINE=${DEADLINE:-560}
pack() { echo "$1 at $SECONDS s" >>$R/timing.txt; tar -C /tmp -czf "$OUT/r.tar.gz" r; }
left() { echo $((DEADLINE - SECONDS)); }
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >$R/gpu.txt 2>&1
s=$SECONDS; LD_PRELOAD=$TLS LIL_VALIDATE=1 timeout 150 $B/tests/test_attention 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head -20 >$R/tests-attn.txt
echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))" >>$R/tests-attn.txt
for x in test_model test_ops_basic; do s=$SECONDS; echo "== $x"
  LD_PRELOAD=$TLS LIL_VALIDATE=1 timeout 60 $B/tests/$x 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head -20
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"; done >$R/tests-other.txt 2>&1; pack tests
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt; pack synth
bp() { local tag=$1; shift; echo "== $tag"; timeout $(( $(left) > 60 ? 60 : $(left) )) "$@"; echo "rc=$?"; }
bp "l8 default" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --profile --json >$R/prefill-l8-profile.txt 2>&1
bp "q06 default" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --profile --json >$R/prefill-q06-profile.txt 2>&1
LIL_X16_DIRECT=0 bp "l8 LIL_X16_DIRECT=0" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --profile --json >>$R/prefill-l8-profile.txt 2>&1
LIL_X16_DIRECT=0 bp "q06 LIL_X16_DIRECT=0" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --profile --json >>$R/prefill-q06-profile.txt 2>&1
LIL_PREFILL_W16=1 bp "l8 LIL_PREFILL_W16=1" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --profile --json >>$R/prefill-l8-profile.txt 2>&1
LIL_PREFILL_W16=1 bp "q06 LIL_PREFILL_W16=1" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --profile --json >>$R/prefill-q06-profile.txt 2>&1
pack profile
for v in 64x128w4_p2 128x64w4_p2 128x128w4_p2 128x128w8r_p2 128x128w8_p2 64x64w4_p2 128x256w8_p2; do
  [ $(left) -gt 200 ] && LIL_PREFILL_MATMUL=$v bp "l8 $v" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --json
done >$R/prefill-l8-designs.txt 2>&1; pack designs8
for v in 64x64w4_p2 64x128w4_p2 128x64w4_p2 64x64w4k64_p2 128x128w4_p2; do
  [ $(left) -gt 170 ] && LIL_PREFILL_MATMUL=$v bp "q06 $v" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --json
done >$R/prefill-q06-designs.txt 2>&1
[ $(left) -gt 160 ] && LIL_ATTN_PREFILL=w8k32crp bp "l8 w8k32crp" "$L" bench prefill -m /tmp/l8.gguf --lengths 512,4096 --iters 2 --json >>$R/prefill-l8-designs.txt 2>&1
pack designs06
[ $(left) -gt 120 ] && LIL_MATMUL_TYPES=q4_0,f16 LIL_MATMUL_VARIANT=128x128w16_p2,128x128w8_p2,128x128w4_p2,128x128w8r_p2,64x128w4_p2,128x64w4_p2,64x64w4_p2,64x64w4k64_p2,128x256w8_p2 \
  LIL_MATMUL_SHAPES=512x4096x4096,512x1024x4096,512x14336x4096,512x4096x14336,4096x4096x4096,4096x14336x4096,4096x4096x14336 \
  timeout $(( $(left) - 60 )) "$L" bench kernels --filter matmul_cm --iters 5 --json >$R/matmul-q4_0.txt 2>&1; pack matmul
[ $(left) -gt 80 ] && LIL_MATMUL_W16=1 LIL_MATMUL_TYPES=q4_0 LIL_MATMUL_VARIANT=128x128w16_p2,128x256w8_p2,64x128w4_p2 \
  LIL_MATMUL_SHAPES=512x4096x4096,512x1024x4096,512x14336x4096,512x4096x14336,4096x4096x4096,4096x14336x4096,4096x4096x14336 \
  timeout $(( $(left) - 50 )) "$L" bench kernels --filter matmul_cm --iters 5 --json >$R/matmul-q4_0-w16.txt 2>&1; pack matmulw16
for v in default LIL_MATVEC_X8=auto; do
  [ $(left) -gt 25 ] && { echo "== l8 $v"; env $([ $v = default ] || echo $v) timeout 40 "$L" bench decode -m /tmp/l8.gguf --json; }
done >$R/decode-l8.txt 2>&1; pack decode
[ $(left) -gt 15 ] && timeout $(left) "$L" run -m /tmp/l8.gguf -p "hello world" -n 16 --profile >/dev/null 2>$R/decode-l8-profile.txt
pack end
