#!/usr/bin/env bash
# Session 18's third GPU call (325 s of device time left; run2's binary): does the x8 path, which
# made qwen3-0.6b Q8_0 2-3% faster in run2 with the per-shape subgroups, also help llama-8b Q8_0?
#  1. decode A/B llama-8b Q8_0 at 4096, alternating twice: automatic (Q4_0 only) against
#     LIL_MATVEC_X8=1 (Q8_0 too)
#  2. versus.sh qwen3-0.6b Q8_0 and llama-8b Q8_0 with LIL_MATVEC_X8=1 exported
DEADLINE=${DEADLINE:-210}
source docs/device-runs/call-setup.sh
"$L" synth llama-8b q8_0 -o /tmp/l8q8.gguf >/dev/null 2>$R/synth.txt
ab l8q8 4096 LIL_MATVEC_X8=auto LIL_MATVEC_X8=1 >$R/decode-x8-q8.txt 2>&1
pack ab
export LIL_MATVEC_X8=1
vs qwen3-0.6b:q8_0 llama-8b:q8_0
pack end
