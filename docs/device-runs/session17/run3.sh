#!/usr/bin/env bash
# Next session's first GPU call (written in session 17, not run): what session 17's cut second call
# left unmeasured, with main's defaults (32 decode splits per KV head at 8 KV heads).
#  0. test_attention, test_model, validation on
#  1. `lil bench attention` dense, llama-8b's heads, 512 / 4096 / 32768 / 131072: default against
#     --splits 64 and 128 (the long contexts under the new default)
#  2. versus.sh llama-8b Q4_0 twice (llama.cpp's first 512 run of each invocation is cold), llama-8b
#     Q8_0, llama-1b F16, qwen3-0.6b Q8_0
#  3. `lil bench decode --profile` llama-8b Q4_0 at 4096 (attention's share with the new splits)
DEADLINE=${DEADLINE:-480}
source docs/device-runs/call-setup.sh
t 90 test_attention test_model >$R/tests.txt 2>&1
pack tests
for a in "" "--splits 64" "--splits 128"; do
  [ $(left) -gt 200 ] && bp "attention $a" "$L" bench attention --contexts 512,4096,32768,131072 --policies dense --heads 32 --kv-heads 8 --head-dim 128 --iters 20 --json $a
done >$R/attention.txt 2>&1
pack attention
vs llama-8b:q4_0 llama-8b:q4_0 llama-8b:q8_0 llama-1b:f16 qwen3-0.6b:q8_0
[ $(left) -gt 40 ] && "$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
[ $(left) -gt 25 ] && bp "l8 decode --profile --prompt 4096" "$L" bench decode -m /tmp/l8.gguf --prompt 4096 --tokens 64 --iters 2 --profile --json >$R/decode-profile.txt 2>&1
pack end
