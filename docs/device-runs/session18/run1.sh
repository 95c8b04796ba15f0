#!/usr/bin/env bash
# Session 18's first GPU call: the shared-x inline-x8 matvec (shaders/matvec_x8s.comp, opt-in
# LIL_MATVEC_X8S=ROWS,SUBGROUPS) against main's inline kernels, end to end.
#  0. test_ops_matvec_x8s; test_model with LIL_MATVEC_X8S=4,4 (validation on)
#  1. decode A/B (alternating, twice) llama-8b Q4_0 at 512 and 4096 prompts: off, 4,4 and other shapes;
#     qwen3-0.6b Q8_0 at 4096: default (F32 activations) against the x8 path with 4,4 / 2,4
#  2. `lil bench decode --profile` llama-8b Q4_0 at 4096 with 4,4 (per-kernel share of copy)
#  3. versus.sh llama-8b Q4_0 twice (LIL_MATVEC_X8S=4,4 exported: lil inherits it), qwen3-0.6b
#  4. run3's leftovers: `lil bench attention` at 32k / 128k, default splits against 64 / 128
DEADLINE=${DEADLINE:-520}
source docs/device-runs/call-setup.sh
t 60 test_ops_matvec_x8s >$R/tests.txt 2>&1
LIL_MATVEC_X8S=4,4 t 90 test_model >>$R/tests.txt 2>&1
pack tests
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
{ ab l8 512 LIL_MATVEC_X8S=0 LIL_MATVEC_X8S=4,4 LIL_MATVEC_X8S=4,2 LIL_MATVEC_X8S=2,4 LIL_MATVEC_X8S=8,2
  pack ab512
  ab l8 4096 LIL_MATVEC_X8S=0 LIL_MATVEC_X8S=4,4 LIL_MATVEC_X8S=2,8
  pack ab4096
  ab q06 4096 LIL_MATVEC_X8S=0 "LIL_MATVEC_X8=1 LIL_MATVEC_X8S=4,4" "LIL_MATVEC_X8=1 LIL_MATVEC_X8S=2,4"; } >$R/decode-x8s.txt 2>&1
pack ab
[ $(left) -gt 60 ] && LIL_MATVEC_X8S=4,4 bp "l8 x8s 4,4 decode --profile --prompt 4096" "$L" bench decode -m /tmp/l8.gguf --prompt 4096 --tokens 64 --iters 2 --profile --json >$R/decode-profile.txt 2>&1
pack profile
export LIL_MATVEC_X8S=4,4
vs llama-8b:q4_0 llama-8b:q4_0
unset LIL_MATVEC_X8S
for a in "" "--splits 64" "--splits 128"; do
  [ $(left) -gt 60 ] && bp "attention $a" "$L" bench attention --contexts 32768,131072 --policies dense --heads 32 --kv-heads 8 --head-dim 128 --iters 10 --json $a
done >$R/attention.txt 2>&1
pack end
