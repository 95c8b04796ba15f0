#!/usr/bin/env bash
# Session 11, the combined GPU call (same as docs/device-runs/session10/run2.sh, binary built from
# main 33b33aa as build-gpu and carried as .carry/b.tar.xz; lavapipe as .carry/lvp.tar.xz, tools/lavapipe-carry.sh):
#  1. tests with validation: test_attention (every prefill shape, incl. the prefetch (p) and
#     softmax-in-registers (r) variants, against the CPU reference), test_model, test_ops_matvec_x8i
#  2. lil bench suite --all-devices (H100 + lavapipe) and lil report (issue 17)
#  3. bench decode (item 4), then bench prefill qwen3-0.6b Q8_0 per attention variant (512 / 4096)
#     and pipeline statistics
#  4. bench decode qwen3-0.6b Q8_0: default (concatenated QKV / gate-up), LIL_MATVEC_CONCAT=0,
#     LIL_MATVEC_X8=auto / 1 (the inline-quantized integer-dot matvec)
#  5. versus.sh llama-8b Q4_0 (lil with the fastest prefill variant of step 3 vs llama.cpp)
#  6. if time is left: versus qwen3-0.6b Q8_0
# Outputs are written as they come (a cut call keeps what finished).
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
mkdir -p /tmp/b && tar -C /tmp -xJf .carry/b.tar.xz
ln -sfn $PWD/assets /tmp/assets
B=/tmp/b; L=$B/cli/lil; SH=.carry/shared
mkdir -p $SH/tokenizer-tests && gunzip -c tests/data/tokenizer/ggml-vocab-qwen2.gguf.gz >$SH/tokenizer-tests/ggml-vocab-qwen2.gguf
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >"$OUT/gpu.txt" 2>&1
"$L" devices --json >"$OUT/devices.json" 2>&1
t() { local lim=$1; shift; for x in "$@"; do s=$SECONDS; echo "== $x"
  LIL_VALIDATE=1 timeout $lim "$B/tests/$x" 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head -20
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"; done; }
t 120 test_attention >"$OUT/tests.txt" 2>&1
t 60 test_model test_ops_matvec_x8i >>"$OUT/tests.txt" 2>&1
echo "before suite $SECONDS" >>"$OUT/timing.txt"
# 2. the suite on the GPU and lavapipe (lavapipe unpacked beside the system; the loader lists both)
mkdir -p /tmp/lvp && tar -C /tmp/lvp -xJf .carry/lvp.tar.xz
LVLIB=/tmp/lvp/usr/lib/x86_64-linux-gnu
[ -e /usr/lib/x86_64-linux-gnu/libxml2.so.2 ] || [ -e /lib/x86_64-linux-gnu/libxml2.so.2 ] || LVLIB=$LVLIB:/tmp/lvp/stub
( export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$LVLIB VK_DRIVER_FILES=${VK_DRIVER_FILES:+$VK_DRIVER_FILES:}/tmp/lvp/lvp_icd.json
  "$L" devices --json >"$OUT/devices-all.json" 2>&1
  TMPDIR=/tmp timeout 230 "$L" bench suite --all-devices --json "$OUT/suite.json" 2>"$OUT/suite.stderr"
  echo "suite rc=$? after $SECONDS s" >>"$OUT/suite.stderr"
  "$L" report "$OUT/suite.json" --md "$OUT/report.md" --svg "$OUT/report.svg" 2>>"$OUT/suite.stderr"
  echo "report rc=$? total $SECONDS s" >>"$OUT/suite.stderr" )
echo "after suite $SECONDS" >>"$OUT/timing.txt"
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>"$OUT/synth.txt"
for v in default "LIL_MATVEC_CONCAT=0" "LIL_MATVEC_X8=auto" "LIL_MATVEC_X8=1"; do
  echo "== qwen3-0.6b q8_0 $v"
  if [ $v = default ]; then timeout 40 "$L" bench decode -m /tmp/q06.gguf --json
  else env $v timeout 40 "$L" bench decode -m /tmp/q06.gguf --json; fi
done >"$OUT/bench-decode-q06.txt" 2>&1
for v in w4k32 w4k32r w4k32crp w4k32rp w4k32cp w8k32crp w4k64crp; do
  echo "== qwen3-0.6b q8_0 LIL_ATTN_PREFILL=$v"
  LIL_ATTN_PREFILL=$v timeout 30 "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --json
done >"$OUT/bench-prefill-q06.txt" 2>&1
for v in w4k32 w4k32crp; do
  LIL_PIPELINE_STATS=1 LIL_ATTN_PREFILL=$v timeout 20 "$L" bench prefill -m /tmp/q06.gguf --lengths 512 --iters 1 2>&1 | grep '^pipeline' | grep -E 'attn_prefill|matmul'
done >"$OUT/pipeline-stats.txt" 2>&1
PF=$(python3 -c '
import json, sys
best = ("w4k32", 0.0)
for blk in open(sys.argv[1]).read().split("== ")[1:]:
    name = blk.split("\n")[0].split("=")[-1].strip()
    try: rows = json.JSONDecoder().raw_decode(blk[blk.index("{"):])[0]["rows"]
    except Exception: continue
    t = [r["tok_per_s"] for r in rows if r["tokens"] == 4096]
    if t and t[0] > best[1]: best = (name, t[0])
print(best[0])' "$OUT/bench-prefill-q06.txt" 2>/dev/null || echo w4k32)
echo "fastest prefill variant: $PF (after $SECONDS s)" >>"$OUT/timing.txt"
rm -f /tmp/q06.gguf
# 5. lil (fastest prefill variant) against llama.cpp
left=$((585 - SECONDS))
[ $left -gt 60 ] && LIL_ATTN_PREFILL=$PF VS_MODELS="llama-8b:q4_0" timeout $left bash $SH/peer/versus.sh "$L" .peer >"$OUT/versus-8b-q4_0.txt" 2>&1
echo "after versus 8b $SECONDS" >>"$OUT/timing.txt"
left=$((585 - SECONDS))
[ $left -gt 60 ] && LIL_ATTN_PREFILL=$PF VS_MODELS="qwen3-0.6b:q8_0" timeout $left bash $SH/peer/versus.sh "$L" .peer >"$OUT/versus-q06.txt" 2>&1
echo "total $SECONDS" >>"$OUT/timing.txt"
