#!/usr/bin/env bash
# Session 16's second GPU call: main with run1's choices (the gate / up pairs, one subgroup per
# workgroup for the inline-x8 matvecs) and `lil run --warmup` now warming the decode step too.
# Most important first (little device time was left; run with DEADLINE=180):
#  1. versus.sh qwen3-0.6b Q8_0 and llama-8b Q4_0 (lil run --warmup), then test_ops_matvec_x8i
#  2. `lil bench decode --profile` llama-8b Q4_0 at 512 (per-shape fraction of copy)
#  3. qwen3-0.6b Q8_0 (matvec16, F32 activations): LIL_MATVEC_Q16=4,1 against the default, twice
#  4. versus.sh llama-1b F16 and llama-8b Q8_0
DEADLINE=${DEADLINE:-300}
source docs/device-runs/call-setup.sh
vs() { for m in "$@"; do
  [ $(left) -gt 70 ] && VS_LIL_ARGS=--warmup VS_MODELS=$m timeout $(( $(left) < 110 ? $(left) : 110 )) bash $SH/peer/versus.sh "$L" .peer >>$R/versus.txt 2>&1
  pack versus-$m; done; }
vs qwen3-0.6b:q8_0 llama-8b:q4_0
[ $(left) -gt 40 ] && t 40 test_ops_matvec_x8i >$R/tests.txt 2>&1
pack tests
[ $(left) -gt 45 ] && "$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
[ $(left) -gt 30 ] && bp "l8 decode --profile --prompt 512" "$L" bench decode -m /tmp/l8.gguf --prompt 512 --tokens 64 --iters 2 --profile --json >$R/decode-profile.txt 2>&1
pack profile
[ $(left) -gt 30 ] && "$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
for rep in 1 2; do for e in LIL_MATVEC_Q16=0 LIL_MATVEC_Q16=4,1; do
  [ $(left) -gt 20 ] && ( export $e; bp "q06 $e" "$L" bench decode -m /tmp/q06.gguf --prompt 512 --tokens 64 --iters 2 --json )
done; done >$R/decode-ab-q06.txt 2>&1
pack ab
vs llama-1b:f16 llama-8b:q8_0
pack end
