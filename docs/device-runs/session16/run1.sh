#!/usr/bin/env bash
# Session 16's first GPU call: where a decode step's matvec time goes, per weight shape, and whether
# another launch shape of the quantized matvecs helps end to end.
#  0. test_ops_matvec_glu (new) and test_model (the golden models' decode through the pairs), with
#     validation
#  1. `lil bench decode --profile` on llama-8b Q4_0 and qwen3-0.6b Q8_0 at a 512-token prompt (the
#     matvec labels carry the weight's shape; session 15's run3.sh, never run)
#  2. decode A/B, alternating twice: the gate / up matvec writing silu(gate) * up (default, new)
#     against the SwiGLU fused into the down projection's input (LIL_MATVEC_GLU=0, session 15), and
#     the quantized matvecs' launch shape ($LIL_MATVEC_Q16=ROWS[,SUBGROUPS], new): llama-8b Q4_0
#     (matvecx8i) and qwen3-0.6b Q8_0 (matvec16); fewer, longer decode-attention splits
#     (LIL_ATTN_DECODE=64,4,1)
#  3. versus.sh llama-8b Q4_0 and qwen3-0.6b Q8_0
#  4. `LIL_MATVEC_X8=1 lil bench kernels --filter matvec_q4_0 --serial`: the kernels alone, plain,
#     with the fused RMSNorm, 4 and 8 rows
#  5. the profiles at a 4096-token prompt
DEADLINE=${DEADLINE:-460}
source docs/device-runs/call-setup.sh
t 60 test_ops_matvec_glu test_model >$R/tests.txt 2>&1
pack tests
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
pack synth
for m in l8 q06; do
  bp "$m decode --profile --prompt 512" "$L" bench decode -m /tmp/$m.gguf --prompt 512 --tokens 64 --iters 2 --profile --json
done >$R/decode-profile.txt 2>&1
pack profile
ab() { local m=$1; shift; for rep in 1 2; do for e in "$@"; do
  [ $(left) -gt 40 ] && ( export $e; bp "$m $e" "$L" bench decode -m /tmp/$m.gguf --prompt 512 --tokens 64 --iters 2 --json )
done; done; }
ab l8 LIL_MATVEC_GLU=1 LIL_MATVEC_GLU=0 LIL_MATVEC_Q16=8 LIL_MATVEC_Q16=4,2 LIL_MATVEC_Q16=4,1 LIL_MATVEC_Q16=8,1 LIL_ATTN_DECODE=64,4,1 >$R/decode-ab-l8.txt 2>&1
pack ab-l8
ab q06 LIL_MATVEC_GLU=1 LIL_MATVEC_GLU=0 LIL_MATVEC_Q16=8 LIL_MATVEC_Q16=2 LIL_ATTN_DECODE=64,4,1 >$R/decode-ab-q06.txt 2>&1
pack ab-q06
# lil against llama.cpp with the defaults (pairs on), same call
for m in llama-8b:q4_0 qwen3-0.6b:q8_0; do
  [ $(left) -gt 75 ] && VS_LIL_ARGS=--warmup VS_MODELS=$m timeout $(( $(left) < 110 ? $(left) : 110 )) bash $SH/peer/versus.sh "$L" .peer >>$R/versus.txt 2>&1
  pack versus-$m
done
for a in "" "--fuse rmsnorm" "--rows 8" "--rows 8 --fuse rmsnorm"; do
  [ $(left) -gt 30 ] && LIL_MATVEC_X8=1 bp "kernels q4_0 --serial $a" "$L" bench kernels --filter matvec_q4_0 --serial --iters 30 $a
done >$R/kernels-q4_0.txt 2>&1
pack kernels
for m in q06 l8; do
  [ $(left) -gt 25 ] && bp "$m decode --profile --prompt 4096" "$L" bench decode -m /tmp/$m.gguf --prompt 4096 --tokens 64 --iters 2 --profile --json
done >>$R/decode-profile.txt 2>&1
pack end
