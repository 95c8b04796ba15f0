#!/usr/bin/env bash
# Session 5, second H200 call (from the repository root, the release build unpacked in gpu-carry/):
# tests of the fused decode matvec with validation, the matvec tables (default and integer-dot),
# PyTorch's fp16 matmul, end-to-end decode with and without the fused RMSNorm/SwiGLU, and a sweep
# of the decode attention's workgroup size x splits x merge (tree or fused into the last split).
# Everything lands in $OUT/r2/ and is packed into one archive.
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
B=gpu-carry L=gpu-carry/cli/lil R=$OUT/r2
mkdir -p $R
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >$R/gpu.txt 2>&1
for t in test_ops_matvec_fused test_model test_ops_matvec; do
  s=$SECONDS; echo "== $t"
  LIL_VALIDATE=1 timeout 120 $B/tests/$t 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation' | head -20
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"
done >$R/tests.txt 2>&1
timeout 120 $L bench kernels --filter matvec --iters 30 >$R/matvec.txt 2>&1
LIL_MATVEC_X8=1 timeout 90 $L bench kernels --filter matvec_q --iters 30 >$R/matvec-x8.txt 2>&1
timeout 60 python3 tools/bench_torch_matmul.py >$R/torch.jsonl 2>&1
prompt=$(printf 'hello world %.0s' $(seq 1 40))
for t in q4_0 q8_0; do
  python3 tools/make_synth_model.py /tmp/synth-$t.gguf --type $t >/dev/null 2>&1 || continue
  for rep in 1 2; do
    for x in "" --no-fuse; do
      echo "== synthetic qwen3-0.6b $t dense ${x:-fused} (rep $rep)"
      $L run -m /tmp/synth-$t.gguf -p "$prompt" -n 256 $x 2>&1 | tail -1
    done
  done
  $L run -m /tmp/synth-$t.gguf -p "$prompt" -n 8 --profile >/dev/null 2>$R/profile-$t.txt
  $L run -m /tmp/synth-$t.gguf -p "$prompt" -n 8 --profile --no-fuse >/dev/null 2>$R/profile-$t-nofuse.txt
done >$R/e2e.txt 2>&1
A="timeout 60 $L bench attention --kernels --policies dense --contexts 32768,131072"
{
  echo "== default"; $A
  echo "== merge fused"; LIL_ATTN_MERGE=fused $A
  for ws in 256:32 256:48 512:16 512:24; do
    w=${ws%:*} s=${ws#*:}
    echo "== decode $w,4,0 splits $s tree"; LIL_ATTN_DECODE=$w,4,0 $A --splits $s
    echo "== decode $w,4,0 splits $s fused"; LIL_ATTN_MERGE=fused LIL_ATTN_DECODE=$w,4,0 $A --splits $s
  done
  echo "== quest default"; timeout 60 $L bench attention --kernels --policies quest --contexts 32768
  echo "== quest fused merge"; LIL_ATTN_MERGE=fused timeout 60 $L bench attention --kernels --policies quest --contexts 32768
} >$R/attention-sweep.txt 2>&1
tar -C $OUT -czf $OUT/r2.tar.gz r2 && rm -rf $R
