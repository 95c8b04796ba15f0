#!/usr/bin/env bash
# Session 7, third H200 call: Q4_0 with 2 threads per block (16 weights each) and Q4_K with 4 (64 each)
# (cli/lil) against 4 and 8 (cli/lil-base = main at 0b0ae6e), with pipeline statistics,
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
  echo "== lil q4 --rows 8"
  timeout 60 gpu-carry/cli/lil bench kernels --filter matvec_q4 --iters 30 --rows 8
  echo "== pipeline statistics"
  timeout 60 gpu-carry/cli/lil-base bench kernels --filter matvec_q4 --iters 2 --pipeline-stats 2>&1 | grep pipeline
  timeout 60 gpu-carry/cli/lil bench kernels --filter matvec_q4 --iters 2 --pipeline-stats 2>&1 | grep pipeline
} >$OUT/matvec-q4.txt 2>&1
prompt=$(printf 'hello world %.0s' $(seq 1 40))
{
  python3 tools/make_synth_model.py /tmp/synth8b-q4_0.gguf --shape qwen3-8b --type q4_0 --random-blocks &&
  for i in 1 2; do for b in lil-base lil; do
    echo "== $b 8b q4_0 dense"; gpu-carry/cli/$b run -m /tmp/synth8b-q4_0.gguf -p "hello world" -n 128 2>&1 | tail -1
  done; done
} >$OUT/e2e.txt 2>&1
cat $OUT/e2e.txt
tar -czf /tmp/lil-all.tar.gz -C "$OUT" . && rm -f "$OUT"/* && mv /tmp/lil-all.tar.gz "$OUT/all.tar.gz"
