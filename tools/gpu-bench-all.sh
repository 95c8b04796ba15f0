#!/usr/bin/env bash
# On the GPU machine (the `device` tool), from the repository root, carrying .gl and a folder with a
# release build's cli/lil and tests/ binaries (or a whole build directory):
#   bash tools/gpu-bench-all.sh gpu-carry
# Every Vulkan test binary present with the validation layer on, then the benchmarks (matvec
# streamed and --serial, every tensor-core matmul design, PyTorch on the same GPU, decode
# attention), end-to-end generations with every policy; clocks sampled by nvidia-smi dmon.
# Full outputs under $OUT; about 7 minutes on an H100.
set -u
source tools/gpu-env.sh
B=${1:-gpu-carry}
export LIL_SOURCE_ROOT=$PWD
L="$B/cli/lil"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >"$OUT/gpu.txt" 2>&1
nvidia-smi dmon -s pucm -d 1 >"$OUT/dmon.txt" 2>&1 &
DMON=$!
# PARTS (default: tests matvec matmul attention run e2e; e2e8b on request) -- a subset keeps one
# call under the device tool's 10 minutes
PARTS=${PARTS:-tests matvec matmul attention run e2e}
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
want tests && for t in test_vk_core test_ops_matvec test_ops_matvec_x8 test_ops_matvec_fused test_ops_matmul test_ops_basic test_ops_token test_attention \
  test_attention_topk test_attention_book test_model; do
  [ -x "$B/tests/$t" ] || continue
  s=$SECONDS; echo "== $t"
  LIL_VALIDATE=1 timeout 240 "$B/tests/$t" 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head -20
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"
done >"$OUT/tests.txt" 2>&1
"$L" devices --json >"$OUT/devices.json" 2>&1
if want matvec; then
timeout 150 "$L" bench kernels --filter matvec --iters 30 --pipeline-stats >"$OUT/matvec.txt" 2>"$OUT/pipeline-stats.txt"
timeout 100 "$L" bench kernels --filter matvec --iters 30 --serial >"$OUT/matvec-serial.txt" 2>&1
timeout 60 "$L" bench kernels --filter matvec_q --iters 30 --rows 8 >"$OUT/matvec-q-rows8.txt" 2>&1
# integer-dot decode matvec (8-bit activations) next to the default kernels, 1 and 8 columns
LIL_MATVEC_X8=1 timeout 150 "$L" bench kernels --filter matvec_q --iters 30 >"$OUT/matvec-x8.txt" 2>&1
LIL_MATVEC_X8=1 timeout 150 "$L" bench kernels --filter matvec_q --iters 30 --ncols 8 >"$OUT/matvec-x8-c8.txt" 2>&1
LIL_MATVEC_X8=1 timeout 150 "$L" bench kernels --filter matvec_q --iters 30 --serial >"$OUT/matvec-x8-serial.txt" 2>&1
fi
if want matmul; then
LIL_MATMUL_VARIANT=all LIL_MATMUL_TYPES=f16,q4_k timeout 150 "$L" bench kernels --filter matmul --iters 10 \
  >"$OUT/matmul.txt" 2>&1
timeout 60 python3 tools/bench_torch_matmul.py >"$OUT/torch.jsonl" 2>&1
fi
want attention && timeout 120 "$L" bench attention --kernels >"$OUT/attention.txt" 2>&1
want run && {
  "$L" run -n 200 --json 2>/dev/null | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); print("stories ids:", " ".join(map(str, d["ids"])))'
  for p in dense window quest h2o raas; do
    echo "== stories --sparse $p"; "$L" run -n 300 --sparse $p --budget 64 2>&1 | tail -2
  done
  "$L" run -n 2000 --guardian f=50,t=20 2>&1 | tail -4
} >"$OUT/run.txt" 2>&1
# end to end on random-weight models of Qwen3-0.6B's shape (tools/make_synth_model.py, numpy):
# decode speed with the default (fused RMSNorm / SwiGLU) matvecs, --no-fuse and --matvec-x8, dense,
# quest and h2o (budget 128 < the 644-token prompt: the prompt is streamed through decode steps)
want e2e && python3 -c 'import numpy' 2>/dev/null && {
  prompt=$(printf 'hello world %.0s' $(seq 1 40))
  for t in q4_0 q8_0; do
    python3 tools/make_synth_model.py /tmp/synth-$t.gguf --type $t || continue
    for x in "" --no-fuse --matvec-x8; do
      for p in dense quest h2o; do
        echo "== synthetic qwen3-0.6b $t --sparse $p $x"
        "$L" run -m /tmp/synth-$t.gguf -p "$prompt" -n 256 --sparse $p --budget 128 $x 2>&1 | tail -1
      done
      "$L" run -m /tmp/synth-$t.gguf -p "$prompt" -n 8 --profile $x >/dev/null 2>"$OUT/profile-$t${x}.txt"
    done
  done
} >"$OUT/e2e.txt" 2>&1
# PARTS=e2e8b (not in the default set): a Qwen3-8B-shaped Q4_0 model of random codes
# (--random-blocks, 4.3 GB, seconds to write), where weight bytes rather than dispatches bound the
# step: default vs --matvec-x8 vs --no-fuse
want e2e8b && python3 -c 'import numpy' 2>/dev/null && {
  python3 tools/make_synth_model.py /tmp/synth8b-q4_0.gguf --shape qwen3-8b --type q4_0 --random-blocks &&
    for x in "" --matvec-x8 --no-fuse; do
      echo "== synthetic qwen3-8b q4_0 dense $x"
      "$L" run -m /tmp/synth8b-q4_0.gguf -p "hello world" -n 128 $x 2>&1 | tail -1
    done
} >"$OUT/e2e8b.txt" 2>&1
kill $DMON 2>/dev/null
cat "$OUT/gpu.txt" "$OUT/tests.txt" "$OUT/run.txt" "$OUT/e2e.txt" "$OUT/e2e8b.txt" 2>/dev/null
# the device tool brings back at most 8 files: everything in one archive
tar -czf /tmp/lil-all.tar.gz -C "$OUT" . && rm -f "$OUT"/* && mv /tmp/lil-all.tar.gz "$OUT/all.tar.gz"
