#!/usr/bin/env bash
# session-4 sweep A: attention decode variants (prefetch, staged page list, fused merge, splits), Q8_0/4-bit matvec launch shapes
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
L=gpu-carry/cli/lil
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
{ echo "== test_attention PF=2"; LIL_VALIDATE=1 LIL_ATTN_DECODE=128,4,2 timeout 120 gpu-carry/tests/test_attention 2>&1 | tail -3; } >$OUT/tests.txt 2>&1
b() { local n=$1; shift; echo "== $n"; env "$@" 2>&1 | tail -n +2; }
{
b base timeout 60 $L bench attention --kernels --policies dense --contexts 1024,32768,131072
for d in 128,4,1 128,4,2 128,4,3; do b "decode $d" LIL_ATTN_DECODE=$d timeout 60 $L bench attention --kernels --policies dense --contexts 1024,32768,131072; done
b "fused" LIL_ATTN_MERGE=fused LIL_PIPELINE_STATS=1 timeout 60 $L bench attention --kernels --policies dense,quest --contexts 1024,32768
b "fused pf2" LIL_ATTN_MERGE=fused LIL_ATTN_DECODE=128,4,2 timeout 60 $L bench attention --kernels --policies dense,quest --contexts 1024,32768
for s in 32 48 96; do b "splits $s pf2" LIL_ATTN_DECODE=128,4,2 timeout 60 $L bench attention --kernels --policies dense --contexts 32768 --splits $s; done
b "quest pf2" LIL_ATTN_DECODE=128,4,2 timeout 60 $L bench attention --kernels --policies quest --contexts 32768
} >$OUT/attn.txt 2>&1
{
for a in "--rows 4 --wg 128" "--rows 4 --wg 512" "--rows 2 --wg 256" "--rows 2 --wg 512" "--rows 8 --wg 256"; do
  echo "== $a"; timeout 60 $L bench kernels --filter matvec_q --iters 30 $a 2>&1 | grep -E "4096x14336|14336x4096|151936|kernel"
done
} >$OUT/matvec.txt 2>&1
cat $OUT/tests.txt; grep -E "^==|^dense|^quest|attn_decode" $OUT/attn.txt | cut -c1-150
cat $OUT/matvec.txt | cut -c1-160
