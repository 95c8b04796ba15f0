#!/usr/bin/env bash
# Session 7, second H200 call: Q4_0 / Q4_K decode matvec with both nibbles of a byte decoded from
# one shifted word (cli/lil) against the previous decode (cli/lil-base, main before the change),
# alternating, streamed and --serial; end to end on the random-weight Qwen3-0.6B / 8B Q4_0 models.
set -u
mkdir -p gpu-carry && tar -C gpu-carry -xJf gpu-pack/carry.tar.xz
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >$OUT/gpu.txt 2>&1
{
  for i in 1 2; do
    for b in lil-base lil; do
      echo "== $b q4 streamed"; timeout 60 gpu-carry/cli/$b bench kernels --filter matvec_q4 --iters 30
      echo "== $b q4 --serial"; timeout 60 gpu-carry/cli/$b bench kernels --filter matvec_q4 --iters 30 --serial
    done
  done
  echo "== lil q4 --rows 4 / 8"
  timeout 60 gpu-carry/cli/lil bench kernels --filter matvec_q4 --iters 30 --rows 4
  timeout 60 gpu-carry/cli/lil bench kernels --filter matvec_q4 --iters 30 --rows 8
} >$OUT/matvec-q4.txt 2>&1
prompt=$(printf 'hello world %.0s' $(seq 1 40))
{
  python3 tools/make_synth_model.py /tmp/synth-q4_0.gguf --type q4_0 &&
  for i in 1 2; do for b in lil-base lil; do
    echo "== $b 0.6b q4_0 dense"; gpu-carry/cli/$b run -m /tmp/synth-q4_0.gguf -p "$prompt" -n 256 2>&1 | tail -1
  done; done
  python3 tools/make_synth_model.py /tmp/synth8b-q4_0.gguf --shape qwen3-8b --type q4_0 --random-blocks &&
  for i in 1 2; do for b in lil-base lil; do
    echo "== $b 8b q4_0 dense"; gpu-carry/cli/$b run -m /tmp/synth8b-q4_0.gguf -p "hello world" -n 128 2>&1 | tail -1
  done; done
} >$OUT/e2e.txt 2>&1
cat $OUT/e2e.txt
tar -czf /tmp/lil-all.tar.gz -C "$OUT" . && rm -f "$OUT"/* && mv /tmp/lil-all.tar.gz "$OUT/all.tar.gz"
