#!/usr/bin/env bash
# Written in session 19 (no GPU lent) for a later GPU call, after run1.sh: where decode attention's
# time goes at a 4096 prompt. Session 18's profile (llama-8b Q4_0 at 4096): attn_decode 16.8 us +
# merge 5.4 us per layer for 16.8 MB of K / V (~1 TB/s, a third of copy); qwen3-0.6b Q8_0 reads the
# same 16.8 MB per layer (8 KV heads x 128), so there attention + merge is ~40% of the step. Sweep
# (lil bench decode --prompt 4096, alternating twice), each against the default:
#   LIL_ATTN_DECODE=128,8,0 / 128,16,0 (more tokens, so more loads in flight, per row group),
#   256,8,0 (twice the threads per split), 128,4,1 (the next block prefetched), LIL_ATTN_SPLITS=16 / 64
#   (fewer / more workgroups),
#   LIL_ATTN_QK=append (the q/k norm + RoPE + KV append back in their own dispatch: the fold's
#   prologue cost inside every attention workgroup)
# then one profiled step per model (per-kernel GPU time) and versus.sh for both models.
DEADLINE=${DEADLINE:-540}
source docs/device-runs/call-setup.sh
models q06=qwen3-0.6b:q8_0 l8=llama-8b:q4_0
{ ab q06 4096 LIL_ATTN_SPLITS= LIL_ATTN_DECODE=128,8,0 LIL_ATTN_DECODE=128,16,0 LIL_ATTN_DECODE=256,8,0
  ab q06 4096 LIL_ATTN_SPLITS=16 LIL_ATTN_SPLITS=64 LIL_ATTN_QK=append LIL_ATTN_DECODE=128,4,1; } >$R/attn-q06.txt 2>&1
pack attn-q06
{ ab l8 4096 LIL_ATTN_SPLITS= LIL_ATTN_DECODE=128,8,0 LIL_ATTN_DECODE=128,16,0 LIL_ATTN_DECODE=256,8,0
  ab l8 4096 LIL_ATTN_SPLITS= LIL_ATTN_QK=append; } >$R/attn-l8.txt 2>&1
pack attn-l8
for m in q06 l8; do bp "$m profile" "$L" bench decode -m /tmp/$m.gguf --prompt 4096 --tokens 16 --iters 1 --profile --json
done >$R/profile-4096.txt 2>&1
pack profile
vs qwen3-0.6b:q8_0 llama-8b:q4_0
pack end
