#!/usr/bin/env bash
# Session 18's second GPU call: the inline-x8 matvecs' subgroups per workgroup chosen per shape
# (plan.matvec_x8i_target, default 4096 subgroups per dispatch: 1 for the gate / up pairs, 4 for Wo,
# down and Q/K/V at the 8B shape) against one subgroup everywhere (session 17's default, target 1).
#  0. test_ops_matvec_x8i, test_model (validation on)
#  1. decode A/B llama-8b Q4_0 at 512 and 4096, alternating twice: LIL_MATVEC_X8I_TARGET 1 / 4096 /
#     2048 / 8192 (and 8 rows per workgroup at 4096); qwen3-0.6b Q8_0 at 512 / 4096: default, x8 on
#     (LIL_MATVEC_X8=1), fused merge
#  2. profile llama-8b Q4_0 at 4096 (per-shape share of copy)
#  3. versus.sh llama-8b Q4_0 twice, qwen3-0.6b Q8_0, llama-8b Q8_0, llama-1b F16 (as time allows)
DEADLINE=${DEADLINE:-530}
source docs/device-runs/call-setup.sh
t 150 test_ops_matvec_x8i test_model >$R/tests.txt 2>&1
pack tests
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
T=LIL_MATVEC_X8I_TARGET
{ ab l8 512 $T=1 $T=4096 $T=2048 $T=8192
  pack ab512
  ab l8 4096 $T=1 $T=4096 $T=2048 $T=8192 LIL_MATVEC_Q16=8
  pack ab4096
  ab q06 4096 $T=4096 LIL_MATVEC_X8=1 LIL_ATTN_MERGE=fused
  ab q06 512 $T=4096 LIL_MATVEC_X8=1; } >$R/decode-x8i.txt 2>&1
pack ab
[ $(left) -gt 60 ] && bp "l8 decode --profile --prompt 4096" "$L" bench decode -m /tmp/l8.gguf --prompt 4096 --tokens 64 --iters 2 --profile --json >$R/decode-profile.txt 2>&1
pack profile
vs llama-8b:q4_0 llama-8b:q4_0 qwen3-0.6b:q8_0 llama-8b:q8_0 llama-1b:f16
pack end
