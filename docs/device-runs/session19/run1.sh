#!/usr/bin/env bash
# Written in session 19 (no GPU lent) for the next session's first GPU call: the KHR
# cooperative-matrix path (shaders/spirv_nv_to_khr.py) on the H100, which exposes both extensions
# (LIL_DISABLE=coopnv takes KHR), then session 18's run3 (x8 for Q8_0). Needs a pack of main.
#  0. the NV path with validation after this session's plan / kernel-loader change:
#     test_ops_matmul, test_attention
#  1. the KHR path against the CPU reference, validation off (Debian 12's layers, 1.3.239, predate
#     VK_KHR_cooperative_matrix and reject its structures and SPIR-V): test_ops_matmul,
#     test_attention, test_model; `lil devices --json` with and without coopnv
#  2. prefill NV vs KHR: lil bench prefill, qwen3-0.6b Q8_0 512 / 4096, llama-8b Q4_0 4096
#  3. the host's share of a decode token: lil bench decode --gpu-span (GPU span per step against
#     the wall time per token) on qwen3-0.6b Q8_0 and llama-8b Q4_0 at 4096, then without it (the
#     cost of the two timestamps a step);
#     session 18's run3: decode A/B of LIL_MATVEC_X8=auto vs 1 on llama-8b Q8_0 and qwen3-0.6b Q8_0
#  4. versus.sh llama-8b Q4_0 (main's defaults), then qwen3-0.6b Q8_0 with LIL_MATVEC_X8=1
DEADLINE=${DEADLINE:-540}
source docs/device-runs/call-setup.sh
t 200 test_ops_matmul test_attention >$R/tests-nv.txt 2>&1
pack tests-nv
{ "$L" devices --json >$R/devices-nv.json 2>&1; LIL_DISABLE=coopnv "$L" devices --json >$R/devices-khr.json 2>&1
  LIL_DISABLE=coopnv VALIDATE=0 EXTRA="LIL_DISABLE=coopnv, no validation" t 200 test_ops_matmul test_attention test_model
} >$R/tests-khr.txt 2>&1
pack tests-khr
models q06=qwen3-0.6b:q8_0 l8=llama-8b:q4_0 l8q8=llama-8b:q8_0
{ for rep in 1 2; do for e in LIL_DISABLE= LIL_DISABLE=coopnv; do
    [ $(left) -gt 60 ] && ( export $e; bp "q06 $e" "$L" bench prefill -m /tmp/q06.gguf --lengths 512,4096 --iters 3 --json )
    [ $(left) -gt 60 ] && ( export $e; bp "l8 $e" "$L" bench prefill -m /tmp/l8.gguf --lengths 4096 --iters 2 --json )
  done; done; } >$R/prefill-khr.txt 2>&1
pack prefill-khr
for m in q06 l8; do for a in --gpu-span ""; do
  bp "$m p4096 $a" "$L" bench decode -m /tmp/$m.gguf --prompt 4096 --tokens 64 --iters 2 --json $a
done; done >$R/decode-span.txt 2>&1
pack span
{ ab l8q8 4096 LIL_MATVEC_X8=auto LIL_MATVEC_X8=1
  ab q06 4096 LIL_MATVEC_X8=auto LIL_MATVEC_X8=1
  ab l8q8 512 LIL_MATVEC_X8=auto LIL_MATVEC_X8=1; } >$R/decode-x8-q8.txt 2>&1
pack ab
vs llama-8b:q4_0
export LIL_MATVEC_X8=1
vs qwen3-0.6b:q8_0
pack end
