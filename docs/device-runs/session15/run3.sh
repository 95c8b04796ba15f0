#!/usr/bin/env bash
# Session 15's third GPU call (what the budget left): `lil bench decode --profile` on llama-8b Q4_0
# and qwen3-0.6b Q8_0 at 512 and 4096-token prompts, the decode matvecs labelled with their weight's
# shape, so the next session knows which product of a step falls short of the copy bandwidth.
# Not run in session 15 (no device time left to start a machine): the next session's first call.
DEADLINE=${DEADLINE:-180}
source docs/device-runs/call-setup.sh
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
"$L" synth qwen3-0.6b q8_0 -o /tmp/q06.gguf >/dev/null 2>>$R/synth.txt
for x in l8:512 q06:512 q06:4096 l8:4096; do m=${x%:*}; p=${x#*:}
  [ $(left) -gt 25 ] && bp "$m decode --profile --prompt $p" "$L" bench decode -m /tmp/$m.gguf --prompt $p --tokens 64 --iters 2 --profile --json
  pack $x
done >$R/decode-profile.txt 2>&1
pack end
