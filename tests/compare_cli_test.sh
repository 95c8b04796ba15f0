#!/usr/bin/env bash
# The comparison workflow and the Lil accounting through the real CLI: lil synth (a random-weight
# model that loads and generates), lil bench suite --quick (its JSON), lil report (table, chart,
# errors) and lil eval (bundled model and problem sets, the benchmark files' field names).
# usage: compare_cli_test.sh PATH/TO/lil [full]
# Without "full": the suite's models group only, then synth, report and eval; "full": the suite's
# every group (matvec, attention too) and nothing else (the lavapipe pass only: suite slow).
set -u
LIL=$1
FULL=${2:-}
fails=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
check() { # check NAME EXPECTED_STATUS CMD... ; stdout + stderr in $out
  local name=$1 want=$2
  shift 2
  out=$("$@" 2>&1)
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, expected $want; output:"
    echo "$out" | tail -20
    fails=$((fails + 1))
  fi
}
expect() { # expect NAME PATTERN (in $out)
  if ! grep -q -- "$2" <<<"$out"; then
    echo "FAIL $1: output lacks '$2':"
    echo "$out" | tail -20
    fails=$((fails + 1))
  fi
}
one_line() { # the error is one line
  [ "$(wc -l <<<"$out")" = 1 ] || { echo "FAIL $1: not one line: $out"; fails=$((fails + 1)); }
}
py() { # py NAME SCRIPT ARGS...: a Python check of files
  local name=$1
  shift
  python3 -c "$@" || { echo "FAIL $name"; fails=$((fails + 1)); }
}

finish() {
  if [ $fails -ne 0 ]; then
    echo "$fails failure(s)"
    exit 1
  fi
  echo "all passed"
  exit 0
}

# ---- lil bench suite --quick: every group on lavapipe, then the skip notes
mkdir "$T/tmp"
if [ "$FULL" = full ]; then ONLY=(); GROUPS_WANT='["matvec", "attention", "models"]'; else ONLY=(--only models); GROUPS_WANT='["models"]'; fi
check suite 0 env TMPDIR="$T/tmp" "$LIL" bench suite --quick "${ONLY[@]}" --json "$T/a.json"; expect suite "done, 0 failures"
[ -z "$(ls -A "$T/tmp")" ] || { echo "FAIL suite: temporary files left: $(ls -A "$T/tmp")"; fails=$((fails + 1)); }
py suite-json '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["suite"] == "lil bench suite" and d["suite_version"] == 1 and d["size"] == "quick", d
assert d["complete"] is True and d["lil_version"] and d["groups"] == json.loads(sys.argv[2])
(dev,) = d["devices"]
for k in ("device", "driver", "driver_info", "api_version"): assert dev[k], k
assert dev["api_version"].count(".") == 2
ids = {r["id"]: r for r in dev["results"]}
assert ids["copy"]["value"] > 0 and ids["copy"]["vs_copy"] == 1
full = "matvec" in d["groups"]
assert full == ("matvec q4_0 (small)" in ids) == ("attention quest 32k (small)" in ids), ids.keys()
for t in ("f16", "q8_0", "q4_0", "q4_k") if full else ():
    r = ids["matvec %s (small)" % t]  # as a fraction of bench kernels own copy measurement
    assert r["unit"] == "GB/s" and r["value"] > 0 and r["vs_copy"] > 0, r
for p in ("dense", "quest") if full else ():
    for c in ("4k", "32k"):
        r = ids["attention %s %s (small)" % (p, c)]
        assert r["value"] > 0 and r["vs_copy"] > 0, r
for m in ("tiny q8_0", "tiny-qwen3 q4_0"):
    assert ids["decode " + m]["value"] > 0 and ids["decode " + m]["vs_copy"] > 0
    for n in (64, 256):
        r = ids["prefill %s %d" % (m, n)]
        assert abs(r["vs_copy"] - r["value"] / dev["copy_gbps"]) < 1e-6 * r["vs_copy"], r
assert dev["skipped"] == [], dev["skipped"]
assert dev["raw"]["decode"][0]["model"] == "tiny q8_0"  # not the temporary path
' "$T/a.json" "$GROUPS_WANT"
# a failing benchmark is noted and the suite goes on (LIL_FAULT_ALLOC=1: the first device allocation
# of each fails: the copy benchmark's), and models over --cpu-max-mib are skipped with a note
check suite-skip 1 env LIL_FAULT_ALLOC=1 "$LIL" bench suite --quick --only models --cpu-max-mib 0 --json "$T/skip.json"
expect suite-skip "done, 1 failure$"
py suite-skip-json '
import json, sys
dev = json.load(open(sys.argv[1]))["devices"][0]
assert dev["results"] == [], dev["results"]
notes = {s["id"]: s["note"] for s in dev["skipped"]}
assert "injected by the fault hook" in notes["copy"] and notes["copy"].startswith("failed (exit 1): lil bench copy:"), notes
assert "over --cpu-max-mib 0" in notes["decode tiny q8_0"] and "prefill tiny-qwen3 q4_0" in notes, notes
assert len(notes) == 5, notes
' "$T/skip.json"
check suite-bad-only 2 "$LIL" bench suite --only warp; expect suite-bad-only "unknown group 'warp'"; one_line suite-bad-only
check suite-bad-device 2 "$LIL" bench suite --quick --device no-such-gpu; expect suite-bad-device "no device matches 'no-such-gpu'"
check suite-both 2 "$LIL" bench suite --all-devices --device 0; expect suite-both "exclude each other"
check suite-bad-out 1 "$LIL" bench suite --quick --json /nonexistent-dir/a.json; expect suite-bad-out "cannot write"; one_line suite-bad-out

[ "$FULL" = full ] && finish # the rest ran in the fast test

# ---- lil synth
check synth-help 0 "$LIL" synth --help; expect synth-help "usage: lil synth"
check synth-list 0 "$LIL" synth --list; expect synth-list "llama-8b"; expect synth-list "qwen3-0.6b"
for st in "tiny q8_0" "tiny f16" "tiny-qwen3 q4_0"; do
  set -- $st
  check "synth-$1-$2" 0 "$LIL" synth "$1" "$2" -o "$T/$1-$2.gguf" --seed 3
  check "synth-run-$1-$2" 0 "$LIL" run -m "$T/$1-$2.gguf" -p "Once upon a time" -n 12 --json
  py "synth-run-$1-$2 json" 'import json,sys; d=json.loads(sys.argv[1].splitlines()[-1]); assert len(d["ids"]) == 12, d' "$out"
done
cmp -s "$T/tiny-q8_0.gguf" <("$LIL" synth tiny q8_0 -o /dev/stdout --seed 3 2>/dev/null) ||
  { echo "FAIL synth-seeded: the same seed wrote another file"; fails=$((fails + 1)); }
check synth-bad-shape 2 "$LIL" synth llama-70b q8_0 -o "$T/x.gguf"; expect synth-bad-shape "unknown model shape 'llama-70b'"; one_line synth-bad-shape
check synth-bad-type 2 "$LIL" synth tiny q5_k -o "$T/x.gguf"; expect synth-bad-type "unknown weight type 'q5_k'"; one_line synth-bad-type
check synth-no-out 2 "$LIL" synth tiny q8_0; expect synth-no-out "\-o OUT.gguf is required"; one_line synth-no-out
check synth-no-args 2 "$LIL" synth; expect synth-no-args "expected SHAPE and TYPE"
check synth-bad-dir 1 "$LIL" synth tiny q8_0 -o /nonexistent-dir/x.gguf; expect synth-bad-dir "/nonexistent-dir/x.gguf: cannot create"; one_line synth-bad-dir
check synth-bad-vocab 1 "$LIL" synth tiny q8_0 -o "$T/x.gguf" --vocab "$T/nothing.gguf"; expect synth-bad-vocab "nothing.gguf"; one_line synth-bad-vocab
[ ! -e "$T/x.gguf" ] || { echo "FAIL synth: a failed write left $T/x.gguf"; fails=$((fails + 1)); }

# ---- lil report: two machines (the second one's file edited to tell the devices apart)
python3 - "$T/a.json" "$T/b.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
dev = d["devices"][0]
dev["device"] = "Other GPU"
dev["copy_gbps"] = 1000.0
for r in dev["results"]:
    if r["id"] == "copy": r["value"] = 1000.0
    if r["id"] == "decode tiny q8_0": r["value"], r["vs_copy"] = 12345.0, 0.5
dev["results"] = [r for r in dev["results"] if r["id"] != "matvec q6_k (small)"]
dev["skipped"].append({"id": "matvec q6_k (small)", "note": "not on this one"})
d["complete"] = False
json.dump(d, open(sys.argv[2], "w"))
PYEOF
check report 0 "$LIL" report "$T/a.json" "$T/b.json" --md "$T/r.md" --svg "$T/r.svg"
py report-md '
import sys
md = open(sys.argv[1]).read()
rows = [l for l in md.splitlines() if l.startswith("| ")]
head = [l for l in rows if l.startswith("| result")][0]
assert head.split("|")[4].strip() == "llvmpipe (LLVM 15.0.6, 256 bits)" or "llvmpipe" in head.split("|")[4], head
assert "Other GPU" in head.split("|")[5], head
row = lambda k: [c.strip() for c in [l for l in rows if l.startswith("| " + k + " |")][0].split("|")[1:-1]]
assert row("copy")[4] == "1000 (1)", row("copy")
assert row("decode tiny q8_0")[4] == "12345 (0.5)", row("decode tiny q8_0")
assert row("matvec q6_k (small)")[4] == "skipped", row("matvec q6_k (small)")
assert "Other GPU, matvec q6_k (small): not on this one" in md
assert "| Other GPU | llvmpipe" in md  # the device table: driver beside the name
assert "b.json is incomplete" in md and "a.json is incomplete" not in md
' "$T/r.md"
py report-svg '
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
texts = [t.firstChild.data for t in d.getElementsByTagName("text") if t.firstChild]
assert "Other GPU" in texts and "decode tiny q8_0" in texts, texts[:10]
assert any(t.startswith("12345 tok/s (0.5)") for t in texts)
assert len(d.getElementsByTagName("rect")) > 8
' "$T/r.svg"
check report-stdout 0 "$LIL" report "$T/a.json"; expect report-stdout "| copy | GB/s | copy |"
sed 's/"suite_version": 1/"suite_version": 2/' "$T/a.json" > "$T/v2.json"
check report-version 1 "$LIL" report "$T/a.json" "$T/v2.json"; expect report-version "v2.json: suite version 2, this lil reports version 1"; one_line report-version
echo '{"devices": []' > "$T/bad.json"
check report-bad-json 1 "$LIL" report "$T/bad.json"; expect report-bad-json "bad.json:2: not JSON"; one_line report-bad-json
echo '{"results": []}' > "$T/other.json"
check report-not-suite 1 "$LIL" report "$T/other.json"; expect report-not-suite "not a \`lil bench suite\` result"
check report-missing 1 "$LIL" report "$T/none.json"; expect report-missing "none.json"; one_line report-missing
check report-none 2 "$LIL" report; expect report-none "no result files"
check report-bad-md 1 "$LIL" report "$T/a.json" --md /nonexistent-dir/r.md; expect report-bad-md "cannot write"

# ---- lil eval: the bundled model and GSM8K set, then a looping model the Guardian stops
check eval 0 "$LIL" eval --limit 2 -n 48 --sparse dense,window --budget 32 --json "$T/e.jsonl"
expect eval "policy   guardian"; expect eval "window   yes"
py eval-jsonl '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
runs = [r for r in recs if not r.get("summary")]
sums = [r for r in recs if r.get("summary")]
assert len(runs) == 2 * 2 * 2 and len(sums) == 4, (len(runs), len(sums))
for r in runs:
    assert r["answer"] in ("18", "3"), r["answer"]  # GSM8K "#### N"
    assert 0 < r["tokens"] <= 48 and r["finished"] == (r["tokens"] < 48 and r["guardian_stop"] is None)
    assert r["ms_per_token"] > 0 and r["kv_peak_bytes"] > 0 and isinstance(r["correct"], bool)
    assert (r["tokens_saved"] is None) == (not r["guardian"])
for s in sums:
    mine = [r for r in runs if r["policy"] == s["policy"] and r["guardian"] == s["guardian"]]
    assert s["runs"] == 2 and s["tokens"] == sum(r["tokens"] for r in mine)
    assert s["correct"] == sum(r["correct"] for r in mine) and s["with_answer"] == 2
    assert s["kv_peak_bytes"] == max(r["kv_peak_bytes"] for r in mine)
w = [r for r in runs if r["policy"] == "window"]; d = [r for r in runs if r["policy"] == "dense"]
assert max(r["kv_peak_bytes"] for r in w) < max(r["kv_peak_bytes"] for r in d)  # the window holds 32 tokens
' "$T/e.jsonl"
check eval-guardian 0 "$LIL" eval -m "$T/tiny-qwen3-q4_0.gguf" --limit 1 -n 160 --guardian f=32 --json -
py eval-guardian-jsonl '
import json, sys
runs = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{")]
plain, guarded = [r for r in runs if not r.get("summary")]
assert plain["tokens"] == 160 and plain["guardian_stop"] is None, plain
assert guarded["guardian_stop"] == 32 and guarded["tokens"] < 160, guarded
assert guarded["tokens_saved"] == 160 - guarded["tokens"], guarded
' "$out"
# the benchmark files field names: AIME (prompt + integer answer), MATH-500 (problem + answer),
# GSM8K (question + "#### N"), plain and gzip
printf '%s\n' '{"prompt": "Find 2+2.", "answer": 4}' '{"problem": "Half of 1?", "solution": "\\boxed{\\frac{1}{2}}", "answer": "\\frac{1}{2}"}' > "$T/p.jsonl"
check eval-fields 0 "$LIL" eval --prompts "$T/p.jsonl" -n 8 --json "$T/p.out"
py eval-fields-out '
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if "summary" not in l]
assert [r["answer"] for r in runs] == ["4", "4", "\\frac{1}{2}", "\\frac{1}{2}"], runs
' "$T/p.out"
check eval-bad-prompts 2 "$LIL" eval --prompts "$T/none.jsonl"; expect eval-bad-prompts "cannot open"; one_line eval-bad-prompts
printf '%s\n' '{"prompt": "ok"}' '{"text": "no field"}' > "$T/q.jsonl"
check eval-no-field 2 "$LIL" eval --prompts "$T/q.jsonl"; expect eval-no-field "q.jsonl:2: no \"prompt\", \"question\" or \"problem\""; one_line eval-no-field
check eval-bad-policy 2 "$LIL" eval --sparse dense,warp; expect eval-bad-policy "warp"; one_line eval-bad-policy
check eval-bad-guardian 2 "$LIL" eval --guardian f; expect eval-bad-guardian "expected KEY=VALUE"; one_line eval-bad-guardian
check eval-bad-n 2 "$LIL" eval -n 0; expect eval-bad-n "\-\-max-tokens expects"
check eval-help 0 "$LIL" eval --help; expect eval-help "usage: lil eval"

finish
