#!/usr/bin/env bash
# CLI behaviour of `lil`: help, version, errors for bad input, devices and the benchmarks.
# usage: cli_test.sh PATH/TO/lil
set -u
LIL=$1
fails=0
check() { # check NAME EXPECTED_STATUS CMD... ; output in $out
  local name=$1 want=$2
  shift 2
  out=$("$@" 2>&1)
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, expected $want; output:"
    echo "$out" | head -20
    fails=$((fails + 1))
  fi
}
expect() { # expect NAME PATTERN (in $out)
  if ! grep -q -- "$2" <<<"$out"; then
    echo "FAIL $1: output lacks '$2':"
    echo "$out" | head -20
    fails=$((fails + 1))
  fi
}
check help 0 "$LIL" --help; expect help "devices"
check version 0 "$LIL" --version; expect version "lil 0"
check no-command 2 "$LIL"
check unknown-command 2 "$LIL" frobnicate; expect unknown-command "unknown command 'frobnicate'"
check devices 0 "$LIL" devices; expect devices '\*'
check devices-help 0 "$LIL" devices --help; expect devices-help "usage: lil devices"
check devices-bad-flag 2 "$LIL" devices --colour; expect devices-bad-flag "colour"
check devices-json 0 "$LIL" devices --json
if ! python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert any(x["default"] for x in d); assert "plan" in d[0]["device"]' "$out"; then
  echo "FAIL devices-json: not the expected JSON"; fails=$((fails + 1))
fi
check no-loader 1 env LIL_VULKAN_LOADER=/nonexistent/libvulkan.so.1 "$LIL" devices
expect no-loader "Vulkan loader"
[ "$(wc -l <<<"$out")" = 1 ] || { echo "FAIL no-loader: not one line: $out"; fails=$((fails + 1)); }
check no-driver 1 env VK_DRIVER_FILES=/nonexistent.json VK_ICD_FILENAMES=/nonexistent.json LIL_VALIDATE=0 "$LIL" bench copy --size 1
expect no-driver "driver\|device"
check bad-device 1 "$LIL" bench copy --device no-such-gpu --size 1; expect bad-device "no-such-gpu"
check bench-bad-value 2 "$LIL" bench copy --size lots; expect bench-bad-value "\-\-size expects an integer"
check bench-unknown 2 "$LIL" bench warp; expect bench-unknown "unknown benchmark 'warp'"
check bench-copy 0 "$LIL" bench copy --size 4 --iters 3 --json
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["gbps"] > 0' "$out" || { echo "FAIL bench-copy json: $out"; fails=$((fails + 1)); }
check bad-disable 2 env LIL_DISABLE=warp9 "$LIL" bench copy --size 1; expect bad-disable "warp9"
# bench kernels: the dispatched shader is named, --serial and --pipeline-stats are accepted (lavapipe
# lacks pipeline statistics: a note on stderr, the bench still runs)
check bench-kernels 0 "$LIL" bench kernels --quick --iters 2 --filter q4_0 --json --serial --pipeline-stats
python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{")]
mv = [r for r in rows if r.get("family") == "matvec"]
assert mv and all(r["serial"] == 1 and r["ms"] > 0 and r["kernel"].startswith("matvec") for r in mv), mv
' "$out" || { echo "FAIL bench-kernels: $out"; fails=$((fails + 1)); }
# --fuse: the fused-transform matvecs run and are named; bad values and several columns are refused
check bench-fuse 0 "$LIL" bench kernels --quick --iters 2 --filter matvec_q4_0 --json --fuse swiglu
python3 -c '
import json, sys
mv = [r for r in map(json.loads, (l for l in sys.argv[1].splitlines() if l.startswith("{"))) if r.get("family") == "matvec"]
assert mv and all(r["kernel"].endswith("+glu") and r["ms"] > 0 for r in mv), mv
' "$out" || { echo "FAIL bench-fuse: $out"; fails=$((fails + 1)); }
check bench-fuse-bad 2 "$LIL" bench kernels --quick --fuse bogus; expect bench-fuse-bad "rmsnorm or swiglu"
check bench-fuse-cols 2 "$LIL" bench kernels --quick --fuse rmsnorm --ncols 2; expect bench-fuse-cols "one column"
# bench attention: every row timed both ways (per-dispatch timestamps, and the whole step against
# its update + append alone, replayed for the same slot) under the validation layer
check bench-attention 0 "$LIL" bench attention --quick --iters 2 --contexts 300 --policies dense,quest,h2o --json
python3 -c '
import json, math, sys
rows = json.loads(sys.argv[1])["rows"]
assert [r["policy"] for r in rows] == ["dense", "quest", "h2o"], rows
for r in rows:
    assert r["attn_us"] > 0 and r["step_us_nots"] > 0 and r["book_us_nots"] > 0, r
    assert math.isfinite(r["attn_select_us_nots"]) and math.isfinite(r["fraction_of_copy_nots"]), r
' "$out" || { echo "FAIL bench-attention: $out"; fails=$((fails + 1)); }
# bench prefill: each length timed, GPU time split into attention / matmul / other (shares sum to 1);
# --profile: the same time per kernel label (matmuls named with the weight's shape), largest first
check bench-prefill 0 "$LIL" bench prefill --lengths 40,130 --iters 1 --json --profile
python3 -c '
import json, math, sys
d = json.loads(sys.argv[1])
assert d["bench"] == "prefill" and d["device"] and d["coopmat"] in ("nv", "khr", "none"), d
rows = d["rows"]
assert [r["tokens"] for r in rows] == [40, 130], rows
for r in rows:
    assert r["ms"] > 0 and r["tok_per_s"] > 0 and r["dispatches"] > 0, r
    s = r["attention_share"] + r["matmul_share"] + r["other_share"]
    assert abs(s - 1) < 1e-6 and r["attention_share"] > 0 and r["matmul_share"] > 0, r
    k = r["kernels"]
    assert sum(x["count"] for x in k) == r["dispatches"], r
    assert abs(sum(x["ms"] for x in k) - r["profiled_gpu_ms"]) < 1e-6 * max(1, r["profiled_gpu_ms"]), r
    assert all(k[i]["ms"] >= k[i + 1]["ms"] for i in range(len(k) - 1)), k
    mm = [x for x in k if x["label"].startswith("matmul")]
    assert mm and all(x["label"].split()[-1].count("x") == 1 for x in mm), mm
    assert abs(sum(x["share"] for x in mm) - r["matmul_share"]) < 1e-6, r
' "$out" || { echo "FAIL bench-prefill: $out"; fails=$((fails + 1)); }
check bench-prefill-long 2 "$LIL" bench prefill --lengths 100000; expect bench-prefill-long "do not fit the model"
check bench-prefill-bad 2 "$LIL" bench prefill --lengths 12,x; expect bench-prefill-bad "--lengths expects an integer"
check bench-prefill-model 1 "$LIL" bench prefill -m /nonexistent.gguf; expect bench-prefill-model "nonexistent.gguf"
# the matmul bench at given shapes; a malformed list is refused
LIL_MATMUL_SHAPES=3x40x64 check bench-matmul-shapes 0 "$LIL" bench kernels --filter matmul_f16 --iters 1 --quick --json
python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{") and "matmul" in l]
assert rows and all((r["ncols"], r["rows"], r["cols"]) == (3, 40, 64) for r in rows), rows
' "$out" || { echo "FAIL bench-matmul-shapes: $out"; fails=$((fails + 1)); }
LIL_MATMUL_SHAPES=3x40 check bench-matmul-shapes-bad 2 "$LIL" bench kernels --filter matmul_f16 --quick
expect bench-matmul-shapes-bad "LIL_MATMUL_SHAPES: expected"
# bench decode: tok/s against the weight-bytes / copy floor, dispatches and dependent steps per token
check bench-decode 0 "$LIL" bench decode --prompt 20 --tokens 6 --iters 1 --json
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["bench"] == "decode" and d["weight_bytes"] > 1000000 and d["copy_gbps"] > 0, d
assert d["tok_per_s"] > 0 and abs(d["fraction_of_floor"] - d["tok_per_s"] / d["floor_tok_per_s"]) < 1e-9, d
assert d["floor_tok_per_s"] * d["weight_bytes"] > 0.99e9 * d["copy_gbps"], d
assert 0 < d["dependent_steps_per_token"] <= d["dispatches_per_token"], d
assert "splits=" in d["attention"] and "decode=" in d["attention"], d
' "$out" || { echo "FAIL bench-decode: $out"; fails=$((fails + 1)); }
# the decode attention variant follows its tuning override
LIL_ATTN_SPLITS=1 check bench-decode-splits 0 "$LIL" bench decode --prompt 20 --tokens 2 --iters 1
expect bench-decode-splits "attention: .*splits=1 "  # (2 without: the pages a head holds)
# --profile: one step's GPU time per kernel label, every dispatch of the step counted once
check bench-decode-profile 0 "$LIL" bench decode --prompt 20 --tokens 4 --iters 1 --profile --json
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
ks = d["kernels"]
assert ks and d["profiled_dispatches"] == d["dispatches_per_token"] == sum(k["count"] for k in ks), d
assert abs(sum(k["ms"] for k in ks) - d["profiled_step_ms"]) < 1e-6 * max(1.0, d["profiled_step_ms"]), d
assert all(k["ms"] >= 0 for k in ks) and [k["ms"] for k in ks] == sorted((k["ms"] for k in ks), reverse=True), d
assert len({k["label"] for k in ks}) == len(ks) and any(k["label"].startswith("attn_decode") for k in ks), d
# the matvecs (stories260K: F32 weights, 4 bytes a weight): their weight bytes per second, launch gaps included
mv = [k for k in ks if k["label"].startswith("matvec")]
assert mv and all("fraction_of_copy" not in k for k in ks if k not in mv), d
for k in mv:
    rows, cols = map(int, k["label"].split(" ")[-1].split("x"))
    gb = rows * cols * 4 * k["count"] / (k["ms"] * 1e-3) / 1e9
    assert abs(k["weight_gbps"] - gb) < 1e-6 * gb and abs(k["fraction_of_copy"] - gb / d["copy_gbps"]) < 1e-9, k
' "$out" || { echo "FAIL bench-decode-profile: $out"; fails=$((fails + 1)); }
# --gpu-span: the timed steps' GPU span per token (two timestamps a step) and the wall time outside it
check bench-decode-span 0 "$LIL" bench decode --prompt 20 --tokens 4 --iters 1 --gpu-span --json
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
g, o, w = d["gpu_span_ms_per_token"], d["outside_gpu_ms_per_token"], d["ms_per_token"]
assert 0 < g <= w * 1.001 and abs(g + o - w) < 1e-6 * w and "kernels" not in d, d
' "$out" || { echo "FAIL bench-decode-span: $out"; fails=$((fails + 1)); }
check bench-decode-long 2 "$LIL" bench decode --prompt 100000; expect bench-decode-long "do not fit the model"
# lil guardian -m: real token counts from a model's tokenizer
tmp=$(mktemp -d)
printf '{"output": "Once upon a time there was a cat. Once upon a time there was a cat."}\n' >"$tmp/o.jsonl"
check guardian-model 0 "$LIL" guardian --json -m "$LIL_SOURCE_ROOT/assets/stories260K.gguf" "$tmp/o.jsonl"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert 10 < d["tokens"] < 40, d' "$out" || { echo "FAIL guardian-model: $out"; fails=$((fails + 1)); }
check guardian-bad-model 1 "$LIL" guardian -m "$tmp/missing.gguf" "$tmp/o.jsonl"; expect guardian-bad-model "missing.gguf"
# bench guardian: the bundled problem sets (assets/benchmarks, gzip) by default, run from another
# directory; --data DIR with uncompressed copies; a missing, a truncated and a malformed file
check bench-guardian 0 env -C "$tmp" "$(realpath "$LIL")" bench guardian --json
python3 -c '
import json, sys
d = json.loads(sys.argv[1]); r = d["results"]
assert [x["tokens"] for x in r] == [1024, 8192, 32768, 131072], r
assert all(x["ms_per_check"] > 0 and x["ms_full_recompress"] > 0 for x in r), r
' "$out" || { echo "FAIL bench-guardian: $out"; fails=$((fails + 1)); }
mkdir "$tmp/plain" "$tmp/cut" "$tmp/bad"
for f in math500_test_ori_BudgetThinker gsm8k_test; do
  gzip -dc "$LIL_SOURCE_ROOT/assets/benchmarks/$f.jsonl.gz" >"$tmp/plain/$f.jsonl"
done
check bench-guardian-plain 0 "$LIL" bench guardian --data "$tmp/plain"; expect bench-guardian-plain "131072 tokens"
check bench-guardian-missing 1 "$LIL" bench guardian --data "$tmp/nowhere"
expect bench-guardian-missing "cannot open '$tmp/nowhere/math500_test_ori_BudgetThinker.jsonl.gz' or"
head -c 60000 "$LIL_SOURCE_ROOT/assets/benchmarks/math500_test_ori_BudgetThinker.jsonl.gz" \
  >"$tmp/cut/math500_test_ori_BudgetThinker.jsonl.gz"
check bench-guardian-cut 1 "$LIL" bench guardian --data "$tmp/cut"
expect bench-guardian-cut "jsonl.gz: cannot read after line [0-9]*: unexpected end of file"
printf '{"solution": "x"}\n\n{"solution": 3}\n' >"$tmp/bad/math500_test_ori_BudgetThinker.jsonl"
check bench-guardian-field 1 "$LIL" bench guardian --data "$tmp/bad"
expect bench-guardian-field "jsonl:3: record has no string field 'solution'"
printf '{"solution": "x"}\n{"solution\n' >"$tmp/bad/math500_test_ori_BudgetThinker.jsonl"
check bench-guardian-json 1 "$LIL" bench guardian --data "$tmp/bad"; expect bench-guardian-json "jsonl:2: invalid JSON"
rm -rf "$tmp"
[ $fails = 0 ] && echo "cli: all checks passed"
exit $((fails > 0))
