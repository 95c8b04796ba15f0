#!/usr/bin/env bash
# On the GPU machine (the `device` tool): every Vulkan test binary with the validation layer on,
# then every benchmark, the PyTorch reference and a few generations; full outputs under $OUT.
# usage (from the repository root, carrying .gl and the release build):  bash tools/gpu-bench-all.sh build-gpu
source tools/gpu-env.sh
B=${1:-build-gpu}
export LIL_SOURCE_ROOT=$PWD
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >"$OUT/gpu.txt" 2>&1
(cd "$B" && for t in test_vk_core test_ops_matvec test_ops_matmul test_ops_basic test_ops_token test_attention test_model; do
  echo "== $t"; LIL_VALIDATE=1 timeout 150 "./tests/$t" 2>&1 | grep -E '^[0-9]+%|:[EF]:|validation'
done) >"$OUT/tests.txt" 2>&1
"$B/cli/lil" devices --json >"$OUT/devices.json" 2>&1
"$B/cli/lil" bench kernels --iters 30 >"$OUT/kernels.txt" 2>&1
"$B/cli/lil" bench attention >"$OUT/attention.txt" 2>&1
python3 tools/bench_torch_matmul.py >"$OUT/torch.jsonl" 2>&1
{
  "$B/cli/lil" run -n 200 --json 2>&1 | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); print("stories ids:", " ".join(map(str, d["ids"])))'
  for m in llama-f32 llama-f16 qwen2-f32 qwen2-q8_0 qwen3-f32 qwen3-f16; do
    echo "== $m"; "$B/cli/lil" run -m "tests/data/golden/$m.gguf" -n 64 --temp 0.8 --seed 7 2>&1 | tail -1
  done
  for p in dense window quest h2o raas; do
    echo "== stories --sparse $p"; "$B/cli/lil" run -n 300 --sparse $p --budget 64 2>&1 | tail -1
  done
  "$B/cli/lil" run -n 2000 --guardian f=50,t=20 2>&1 | tail -4
} >"$OUT/run.txt" 2>&1
cat "$OUT/gpu.txt" "$OUT/tests.txt" "$OUT/run.txt"
