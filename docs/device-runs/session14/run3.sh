#!/usr/bin/env bash
# Session 14, the short form of the full call (now session15/run1.sh; five device starts refused:
# 374 s of budget left): the GPU tests of this session's kernels, versus.sh on llama-8b Q4_0, the 8B
# prefill profile at 4096, the w8k64crp attention tile against the default; test_ops_matmul last if
# time is left.
DEADLINE=${DEADLINE:-210}
source docs/device-runs/call-setup.sh
t 40 test_ops_basic >$R/tests.txt 2>&1
LIL_PREFILL_W16=1 EXTRA=LIL_PREFILL_W16=1 t 40 test_model >>$R/tests.txt 2>&1
t 50 test_attention >>$R/tests.txt 2>&1; pack tests
[ $(left) -gt 70 ] && VS_LIL_ARGS=--warmup VS_MODELS=llama-8b:q4_0 timeout $(( $(left) < 100 ? $(left) : 100 )) bash $SH/peer/versus.sh "$L" .peer >>$R/versus.txt 2>&1
pack versus
"$L" synth llama-8b q4_0 -o /tmp/l8.gguf >/dev/null 2>$R/synth.txt
[ $(left) -gt 25 ] && bp "l8 default" "$L" bench prefill -m /tmp/l8.gguf --lengths 4096 --iters 2 --profile --json >$R/prefill-l8.txt 2>&1
pack prefill
[ $(left) -gt 15 ] && LIL_ATTN_PREFILL=w8k64crp bp "l8 LIL_ATTN_PREFILL=w8k64crp" "$L" bench prefill -m /tmp/l8.gguf --lengths 4096 --iters 2 --json >$R/prefill-w8k64.txt 2>&1
pack w8k64
[ $(left) -gt 35 ] && LIL_TEST_MATMUL_VARIANTS=64x64w4_p2 t $(( $(left) - 3 )) test_ops_matmul >>$R/tests.txt 2>&1
pack end
