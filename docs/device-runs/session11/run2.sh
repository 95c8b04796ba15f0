#!/usr/bin/env bash
# Session 11, second call: what run1.sh's returned files lacked (the device tool returns 8 files a
# call; everything here goes into one tar, re-written after each step so a cut call keeps it):
#  1. test_attention (every prefill variant vs the CPU reference), test_model, test_ops_matvec_x8i
#     with validation
#  2. versus.sh llama-8b Q4_0 with LIL_ATTN_PREFILL=w8k32crp (run1's fastest at 4096 on qwen3-0.6b)
#  3. versus.sh qwen3-0.6b Q8_0, the same
#  4. lil bench suite --all-devices --json (run1's JSON did not come back)
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
mkdir -p /tmp/b && tar -C /tmp -xJf .carry/b.tar.xz
ln -sfn $PWD/assets /tmp/assets
B=/tmp/b; L=$B/cli/lil; SH=.carry/shared; R=/tmp/r; mkdir -p $R
mkdir -p $SH/tokenizer-tests && gunzip -c tests/data/tokenizer/ggml-vocab-qwen2.gguf.gz >$SH/tokenizer-tests/ggml-vocab-qwen2.gguf
pack() { echo "$1 at $SECONDS s" >>$R/timing.txt; tar -C /tmp -czf "$OUT/r.tar.gz" r; }
t() { local lim=$1; shift; for x in "$@"; do s=$SECONDS; echo "== $x"
  LIL_VALIDATE=1 timeout $lim "$B/tests/$x" 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head -20
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"; done; }
t 150 test_attention >$R/tests.txt 2>&1; pack tests1
t 60 test_model test_ops_matvec_x8i >>$R/tests.txt 2>&1; pack tests2
left=$((DEADLINE - SECONDS))
[ $left -gt 40 ] && LIL_ATTN_PREFILL=w8k32crp VS_MODELS="llama-8b:q4_0" timeout $left bash $SH/peer/versus.sh "$L" .peer >$R/versus-8b-q4_0.txt 2>&1; pack versus8b
left=$((DEADLINE - SECONDS))
[ $left -gt 40 ] && LIL_ATTN_PREFILL=w8k32crp VS_MODELS="qwen3-0.6b:q8_0" timeout $left bash $SH/peer/versus.sh "$L" .peer >$R/versus-q06.txt 2>&1; pack versus06
mkdir -p /tmp/lvp && tar -C /tmp/lvp -xJf .carry/lvp.tar.xz
LVLIB=/tmp/lvp/usr/lib/x86_64-linux-gnu
[ -e /usr/lib/x86_64-linux-gnu/libxml2.so.2 ] || [ -e /lib/x86_64-linux-gnu/libxml2.so.2 ] || LVLIB=$LVLIB:/tmp/lvp/stub
left=$((DEADLINE - SECONDS))
[ $left -gt 40 ] && ( export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$LVLIB VK_DRIVER_FILES=${VK_DRIVER_FILES:+$VK_DRIVER_FILES:}/tmp/lvp/lvp_icd.json
  TMPDIR=/tmp timeout $left "$L" bench suite --all-devices --json $R/suite.json 2>$R/suite.stderr
  echo "suite rc=$?" >>$R/suite.stderr
  "$L" report $R/suite.json --md $R/report.md --svg $R/report.svg 2>>$R/suite.stderr )
pack end
