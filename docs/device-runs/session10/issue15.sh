#!/usr/bin/env bash
# Session 10, issue 15 (branch issue15): (1) the integer-dot decode matvec with x quantized inside
# the matvec (matvecx8i_*, no quantize_x8 dispatch, fused RMSNorm / SwiGLU kept), on by default where
# the device accelerates integer dot products; (2) Q/K/V and gate/up as one decode matvec each
# (weights concatenated at load: 3 dispatches per layer fewer). One binary, A/B by environment:
#   default                                automatic x8 (H100: inline x8 for Q8_0 / Q4_0) + concat
#   LIL_MATVEC_X8=0                        F32-activation kernels + concat
#   LIL_MATVEC_X8=0 LIL_MATVEC_CONCAT=0    the old default (main)
#   LIL_MATVEC_X8=1                        x8 inline forced (= default where devices.json shows
#                                          use_matvec_x8 true) + concat
#   LIL_MATVEC_X8=1 LIL_X8_INLINE=0 LIL_MATVEC_CONCAT=0   the old opt-in (--matvec-x8 on main)
# Order: tests with validation (test_ops_matvec_x8i, test_model); bench decode qwen3-0.6b Q8_0 and
# llama-8b Q4_0 for each variant (the default again at the end of each model, for drift); if time is
# left: qwen3-0.6b Q4_0, llama-1b F16 (x8 does not apply: the concatenation alone), the matvec
# kernels alone (bench kernels --serial: Q4_0 rows matvec16 / matvecx8+q / matvecx8 / matvecx8i,
# again with --rows 8, Q4_K with LIL_X8_INLINE=all), test_ops_matvec / test_ops_matvec_x8.
# Outputs are written as they come (a cut call keeps what finished).
# Needs: .carry/b.tar.xz (the build of branch issue15), .carry/shared (peer/synth_gguf.py, tokenizer-tests).
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
mkdir -p /tmp/b && tar -C /tmp -xJf .carry/b.tar.xz
ln -sfn $PWD/assets /tmp/assets
B=/tmp/b; L=$B/cli/lil; SH=.carry/shared; V=$SH/tokenizer-tests/ggml-vocab-qwen2.gguf
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >"$OUT/gpu.txt" 2>&1
"$L" devices --json >"$OUT/devices.json" 2>&1
# tests T LIMIT...: each test binary with validation (the suites set it anyway)
tests() {
  local lim=$1; shift
  for t in "$@"; do
    s=$SECONDS; echo "== $t"
    LIL_VALIDATE=1 timeout $lim "$B/tests/$t" 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation|x8 decode' | head -20
    echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"
  done
}
tests 60 test_ops_matvec_x8i test_model >"$OUT/tests.txt" 2>&1
# bench MODEL NAME: each variant, the default first and last
bench() {
  local m=$1 name=$2
  for v in default "LIL_MATVEC_X8=0" "LIL_MATVEC_X8=0 LIL_MATVEC_CONCAT=0" "LIL_MATVEC_X8=1" \
           "LIL_MATVEC_X8=1 LIL_X8_INLINE=0 LIL_MATVEC_CONCAT=0" default; do
    echo "== $name $v"
    if [ "$v" = default ]; then timeout 60 "$L" bench decode -m "$m" --json
    else env $v timeout 60 "$L" bench decode -m "$m" --json; fi
  done
}
python3 $SH/peer/synth_gguf.py qwen3-0.6b q8_0 $V /tmp/q06.gguf >/dev/null
bench /tmp/q06.gguf "qwen3-0.6b q8_0" >"$OUT/decode-q06-q8_0.txt" 2>&1
rm -f /tmp/q06.gguf
echo "after q06 $SECONDS" >>"$OUT/timing.txt"
python3 $SH/peer/synth_gguf.py llama-8b q4_0 $V /tmp/l8.gguf >/dev/null
bench /tmp/l8.gguf "llama-8b q4_0" >"$OUT/decode-l8-q4_0.txt" 2>&1
rm -f /tmp/l8.gguf
echo "after l8 $SECONDS" >>"$OUT/timing.txt"
if [ $SECONDS -lt 200 ]; then
  python3 $SH/peer/synth_gguf.py qwen3-0.6b q4_0 $V /tmp/q06q4.gguf >/dev/null
  bench /tmp/q06q4.gguf "qwen3-0.6b q4_0" >"$OUT/decode-q06-q4_0.txt" 2>&1
  rm -f /tmp/q06q4.gguf
  echo "after q06 q4_0 $SECONDS" >>"$OUT/timing.txt"
fi
if [ $SECONDS -lt 230 ]; then
  python3 $SH/peer/synth_gguf.py llama-1b f16 $V /tmp/l1.gguf >/dev/null
  { echo "== llama-1b f16 default"; timeout 40 "$L" bench decode -m /tmp/l1.gguf --json
    echo "== llama-1b f16 LIL_MATVEC_X8=0"; LIL_MATVEC_X8=0 timeout 40 "$L" bench decode -m /tmp/l1.gguf --json
  } >"$OUT/decode-l1-f16.txt" 2>&1
  rm -f /tmp/l1.gguf
  echo "after l1 $SECONDS" >>"$OUT/timing.txt"
fi
# the kernels alone, serial (each run waits for the previous one, as in a decode step)
if [ $SECONDS -lt 240 ]; then
  LIL_MATVEC_X8=1 timeout $((265 - SECONDS)) "$L" bench kernels --filter matvec_q4_0 --iters 30 --serial \
    >"$OUT/kernels-q4_0.txt" 2>&1
fi
# 8 rows per workgroup (the inline quantization shared by twice the rows)
if [ $SECONDS -lt 250 ]; then
  LIL_MATVEC_X8=1 timeout $((270 - SECONDS)) "$L" bench kernels --filter matvec_q4_0 --iters 30 --serial --rows 8 \
    >"$OUT/kernels-q4_0-rows8.txt" 2>&1
fi
# Q4_K with the inline quantization (LIL_X8_INLINE=all; not automatic until measured)
if [ $SECONDS -lt 255 ]; then
  LIL_MATVEC_X8=1 LIL_X8_INLINE=all timeout $((275 - SECONDS)) "$L" bench kernels --filter matvec_q4_k --iters 30 \
    --serial >"$OUT/kernels-q4_k.txt" 2>&1
fi
if [ $SECONDS -lt 270 ]; then tests 25 test_ops_matvec test_ops_matvec_x8 >>"$OUT/tests.txt" 2>&1; fi
echo "total $SECONDS" >>"$OUT/timing.txt"
