#!/usr/bin/env bash
# Written in session 18 for its third GPU call, which found too little device time left (325 s): the
# next session's first call. Does the x8 path, 2-3% faster on qwen3-0.6b Q8_0 in run2 with the
# per-shape subgroups, also help llama-8b Q8_0 (then the automatic choice could take Q8_0 too)?
#  0. test_ops_matvec_x8i, test_model (validation on)
#  1. decode A/B at 512 and 4096, alternating twice: automatic (x8 for Q4_0 only) against
#     LIL_MATVEC_X8=1 (Q8_0 too), llama-8b Q8_0 and qwen3-0.6b Q8_0
#  2. versus.sh qwen3-0.6b Q8_0 and llama-8b Q8_0 with LIL_MATVEC_X8=1 exported, then llama-8b Q4_0
#     (main's defaults)
DEADLINE=${DEADLINE:-420}
source docs/device-runs/call-setup.sh
t 150 test_ops_matvec_x8i test_model >$R/tests.txt 2>&1
pack tests
models l8q8=llama-8b:q8_0 q06=qwen3-0.6b:q8_0
{ ab l8q8 4096 LIL_MATVEC_X8=auto LIL_MATVEC_X8=1
  ab l8q8 512 LIL_MATVEC_X8=auto LIL_MATVEC_X8=1
  ab q06 4096 LIL_MATVEC_X8=auto LIL_MATVEC_X8=1
  ab q06 512 LIL_MATVEC_X8=auto LIL_MATVEC_X8=1; } >$R/decode-x8-q8.txt 2>&1
pack ab
export LIL_MATVEC_X8=1
vs qwen3-0.6b:q8_0 llama-8b:q8_0
unset LIL_MATVEC_X8
vs llama-8b:q4_0
pack end
