#!/usr/bin/env bash
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
L=gpu-carry/cli/lil
{ echo "== test_attention fused"; LIL_VALIDATE=1 LIL_ATTN_MERGE=fused timeout 120 gpu-carry/tests/test_attention 2>&1 | tail -1; } >$OUT/tests.txt 2>&1
b() { local n=$1; shift; echo "== $n"; env "$@" 2>&1 | tail -n +2; }
{
b base LIL_PIPELINE_STATS=1 timeout 60 $L bench attention --kernels --policies dense,quest --contexts 1024,32768,131072
b "fused" LIL_ATTN_MERGE=fused LIL_PIPELINE_STATS=1 timeout 60 $L bench attention --kernels --policies dense,quest --contexts 1024,32768,131072
} >$OUT/attn.txt 2>&1
{
for a in "--rows 4 --wg 128" "--rows 4 --wg 256" "--rows 2 --wg 256" "--rows 8 --wg 256" "--rows 8 --wg 128"; do
  echo "== $a"; timeout 60 $L bench kernels --filter matvec_q --iters 30 $a 2>&1 | grep -E " x "
done
} >$OUT/matvec.txt 2>&1
cat $OUT/tests.txt; grep -E "^==|^dense|^quest|attn_decode|^pipeline.*(decode|merge|quest)" $OUT/attn.txt | cut -c1-200
grep -E "^==|4096 x 14336|14336 x 4096" $OUT/matvec.txt | cut -c1-120
