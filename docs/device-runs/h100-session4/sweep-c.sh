#!/usr/bin/env bash
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
L=gpu-carry/cli/lil
{ for t in test_ops_matvec test_ops_matvec_x8; do echo "== $t"; LIL_VALIDATE=1 timeout 120 gpu-carry/tests/$t 2>&1 | grep -E "^[0-9]+%|:[EF]:|alidation" | head; done
  echo "== test_attention fused"; LIL_VALIDATE=1 LIL_ATTN_MERGE=fused timeout 120 gpu-carry/tests/test_attention 2>&1 | grep -E "^[0-9]+%|:[EF]:|alidation" | head
  LIL_MATVEC_X8=1 $L devices --json | grep -oE '"(integer_dot_accel|use_matvec_x8|use_int_dot)": *[0-9a-z]+'; } >$OUT/tests.txt 2>&1
b() { local n=$1; shift; echo "== $n"; env "$@" 2>&1 | tail -n +2; }
{
b base LIL_PIPELINE_STATS=1 timeout 60 $L bench attention --kernels --policies dense,quest --contexts 1024,32768,131072
b fused LIL_ATTN_MERGE=fused LIL_PIPELINE_STATS=1 timeout 60 $L bench attention --kernels --policies dense,quest --contexts 1024,32768,131072
for s in 72 80; do b "splits $s" timeout 60 $L bench attention --kernels --policies dense --contexts 32768 --splits $s; done
for s in 48 80; do b "fused splits $s" LIL_ATTN_MERGE=fused timeout 60 $L bench attention --kernels --policies dense --contexts 32768 --splits $s; done
} >$OUT/attn.txt 2>&1
LIL_MATVEC_X8=1 timeout 150 $L bench kernels --filter matvec_q --iters 30 >$OUT/matvec-x8.txt 2>&1
LIL_MATVEC_X8=1 timeout 100 $L bench kernels --filter matvec_q --iters 30 --serial >$OUT/matvec-x8-serial.txt 2>&1
timeout 60 $L bench kernels --filter matvec_q6 --iters 30 --rows 2 >$OUT/matvec-q6-rows2.txt 2>&1
cat $OUT/tests.txt; grep -E "^==|^dense|^quest|attn_decode|^pipeline.*(decode)" $OUT/attn.txt | cut -c1-170
grep -E " x " $OUT/matvec-x8.txt | grep -v "1024 x\|4096 x 4096" | cut -c1-120; grep -E " x " $OUT/matvec-q6-rows2.txt
