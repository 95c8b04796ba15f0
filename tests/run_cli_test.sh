#!/usr/bin/env bash
# `lil run` end to end: stories260K's 200 greedy ids through the real CLI (--json), sampled
# determinism, stop on -n / context full / EOG, and one-line errors for bad input.
# usage: run_cli_test.sh PATH/TO/lil PATH/TO/gguf_bad_writer
set -u
LIL=$1
MKBAD=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
# run NAME STATUS ARGS...: stdout in $out, stderr in $err
run() {
  local name=$1 want=$2
  shift 2
  "$LIL" run "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
  [ "$got" = "$want" ] || { fail "$name: exit $got, expected $want; stderr: $(head -3 "$tmp/err")"; return 1; }
}
one_line_err() { # NAME PATTERN
  grep -q -- "$2" <<<"$err" || fail "$1: stderr lacks '$2': $err"
  [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$1: error is not one line: $err"
}
json() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); $1" "$out"; }

EXPECTED="403 407 261 378 432 383 286 261 376 298 315 421 395 317 426 338 401 396 267 337 410 408 419 292 411 322 265 282 295 433 426 385 328 432 358 394 261 370 432 352 266 268 388 426 338 391 266 267 337 335 312 432 398 312 286 267 414 270 333 415 426 13 438 310 439 419 357 336 432 313 438 310 432 278 316 439 419 298 414 267 265 282 295 433 426 436 317 286 296 418 269 279 292 416 439 413 409 416 327 263 415 294 267 400 426 338 336 432 313 442 391 267 337 335 364 420 268 388 432 398 359 280 303 439 413 272 417 264 312 426 436 13 438 310 286 296 418 269 279 292 416 439 413 409 416 327 263 415 294 267 400 426 338 336 432 313 442 439 423 262 304 420 422 432 317 426 359 279 292 416 439 413 409 416 327 263 415 294 267 400 426 436 13 438 310 279 292 416 439 413 391 267 281 421 427 311 357 432 384 358"

if run greedy-200 0 --json -n 200; then
  got=$(json 'print(" ".join(map(str, d["ids"])))')
  [ "$got" = "$EXPECTED" ] || fail "greedy-200: ids differ: $got"
  json 'assert d["stop"] == "limit" and d["prompt_ids"] == [1] and d["stats"]["generated_tokens"] == 200' ||
    fail "greedy-200: json fields"
  json 'assert "Lily was sad and didn" in d["text"] and d["stats"]["peak_device_bytes"] > 0' || fail "greedy-200: text"
  grep -q "decode .* tok/s" <<<"$err" || fail "greedy-200: no summary on stderr: $err"
fi
# streamed text (no --json): the prompt then the continuation
run stream 0 -p "Once upon a time" -n 8
grep -q "^Once upon a time, there was" <<<"$out" || fail "stream: $out"
# sampled: same seed twice = same ids, another seed differs
run sample-a 0 --json -n 40 --temp 1 --top-k 40 --top-p 0.95 --min-p 0.02 --seed 5 && a=$(json 'print(d["ids"])')
run sample-b 0 --json -n 40 --temp 1 --top-k 40 --top-p 0.95 --min-p 0.02 --seed 5 && b=$(json 'print(d["ids"])')
run sample-c 0 --json -n 40 --temp 1 --top-k 40 --top-p 0.95 --min-p 0.02 --seed 6 && c=$(json 'print(d["ids"])')
[ "$a" = "$b" ] || fail "sampling: same seed, different ids"
[ "$a" != "$c" ] || fail "sampling: different seeds, same ids"
# context full
run ctx-full 0 --json -c 16
# 16 positions fed; the last generated token is the prediction from the full context
json 'assert d["stop"] == "context" and len(d["prompt_ids"]) + len(d["ids"]) == 17' || fail "ctx-full: $out"
grep -q "context full at 16 tokens" <<<"$err" || fail "ctx-full: message: $err"
# EOG: stories260K does not emit EOS; the golden random-weight llama at temperature 3 with seed 1
# draws EOS (2) after 139 tokens with seed 8 (lavapipe, F16 KV): the loop stops there and leaves it out
GOLDEN="$(dirname "$0")/data/golden/llama-f32.gguf"
run eog 0 --json -m "$GOLDEN" -c 256 --temp 3 --seed 8
json 'assert d["stop"] == "eog" and 2 not in d["ids"] and len(d["ids"]) == 139' ||
  fail "eog: $(json 'print(d["stop"], len(d["ids"]))')"
# --matvec-x8 on a Q8_0 model (8-bit activations, integer dot products; lavapipe has them): it runs,
# reports the path, and greedy decoding still generates every token; LIL_MATVEC_X8=0 turns it off
# (without either, automatic: off on lavapipe, whose dot products are not accelerated); the same
# ids with Q/K/V and gate/up as separate matvecs (LIL_MATVEC_CONCAT=0)
Q8="$(dirname "$0")/data/golden/qwen2-q8_0.gguf"
run x8-on 0 --json -m "$Q8" -n 12 --matvec-x8 &&
  { json 'assert d["stats"]["matvec_x8"] is True and len(d["ids"]) == 12' || fail "x8-on: $out"; }
LIL_MATVEC_X8=0 run x8-off 0 --json -m "$Q8" -n 12 &&
  { json 'assert d["stats"]["matvec_x8"] is False' || fail "x8-off: $out"; }
ids_concat=$(json 'print(d["ids"])')
LIL_MATVEC_X8=0 LIL_MATVEC_CONCAT=0 run concat-off 0 --json -m "$Q8" -n 12 &&
  { [ "$(json 'print(d["ids"])')" = "$ids_concat" ] || fail "concat-off: $out"; }
# sparse attention: every policy runs end to end with a 64-token budget; the evicting ones keep
# their KV memory bounded (the same bytes in use after 100 and 150 tokens, unlike dense)
for p in dense window quest h2o raas; do
  run "sparse-$p" 0 --json --sparse $p --budget 64 -n 100 || continue
  json 'assert d["stop"] == "limit" and len(d["ids"]) == 100 and d["stats"]["attention"] == "'$p'"' || fail "sparse-$p: $out"
  kv100=$(json 'print(d["stats"]["kv_bytes"])')
  case $p in window | h2o | raas)
    json 's = d["stats"]; assert 0 < s["kv_bytes"] <= s["kv_capacity_bytes"]' || fail "sparse-$p: kv above the pool"
    run "sparse-$p-150" 0 --json --sparse $p --budget 64 -n 150 &&
      { [ "$(json 'print(d["stats"]["kv_bytes"])')" = "$kv100" ] || fail "sparse-$p: KV grew from $kv100: $out"; } ;;
  dense) dense100=$kv100 ;;
  esac
done
run sparse-dense-150 0 --json -n 150 && { [ "$(json 'print(d["stats"]["kv_bytes"])')" -gt "$dense100" ] || fail "dense KV did not grow"; }
# h2o with a prompt longer than its budget: streamed through decode steps that evict; the pool is
# sized by the budget, not the prompt (the same pool as a 20-token prompt)
long_prompt=$(printf 'Once upon a time there was a little girl named Lily. %.0s' $(seq 1 12))
run h2o-short 0 --json --sparse h2o --budget 32 -p "Once upon a time" -n 20 &&
  h2o_pool=$(json 'print(d["stats"]["kv_capacity_bytes"])')
run h2o-long-prompt 0 --json --sparse h2o --budget 32 -p "$long_prompt" -n 20 &&
  { json 's = d["stats"]; assert d["stop"] == "limit" and len(d["ids"]) == 20 and s["prompt_tokens"] > 100
assert 0 < s["kv_bytes"] <= s["kv_capacity_bytes"] == '"${h2o_pool:-0}" || fail "h2o-long-prompt: $out"; }
# the decode step's fused RMSNorm / SwiGLU matvecs and q/k RoPE + KV append in the attention kernel,
# and the separate ops, give the same greedy ids
run fused 0 --json -n 60 && fused_ids=$(json 'print(d["ids"])') && fused_n=$(json 'print(d["stats"]["step_dispatches"])')
run no-fuse 0 --json -n 60 --no-fuse && { [ "$(json 'print(d["ids"])')" = "$fused_ids" ] || fail "no-fuse ids differ: $out"; }
# stories260K has 5 layers: 2 RMSNorms, a SwiGLU, the q/k RoPE and the KV append per layer plus the
# final norm are not recorded
json 'assert d["stats"]["step_dispatches"] == '"${fused_n:-0}"' + 5 * 5 + 1' || fail "no-fuse dispatches vs ${fused_n:-?}: $out"
# --warmup: one unmeasured prompt pass and decode steps first, then the same generation from an empty cache (a
# cache not emptied would continue after the prompt's tokens and change the ids)
run cold 0 --json -n 40 -p "Once upon a time" && cold=$(json 'print(d["ids"], d["stats"]["kv_bytes"])')
run warmup 0 --json -n 40 -p "Once upon a time" --warmup &&
  { json 'assert d["stats"]["prompt_tokens"] > 1' && [ "$(json 'print(d["ids"], d["stats"]["kv_bytes"])')" = "$cold" ] ||
    fail "warmup ids or KV differ from a cold run ($cold): $out"; }
# Guardian: stories260K loops ("Lily was sad and didn't know what to do"); checks every 50 tokens,
# threshold 20 bytes: the run stops long before 2000 tokens, at most one token after the count
# the monitor recorded when it raised the flag (docs/guardian.md, "Lag")
if run guardian-stop 0 --json -n 2000 --guardian f=50,t=20; then
  json 'g = d["guardian"]; assert d["stop"] == "guardian" and g["action"] == "stop" and g["reason"] == "plateau"' ||
    fail "guardian-stop: $out"
  json 'g = d["guardian"]; n = len(d["ids"]); assert g["position"] <= g["published_at"] and g["position"] % 50 == 0
assert n == g["stopped_at"] and g["published_at"] <= n <= g["published_at"] + 1 and n < 1000
assert g["tokens_saved"] == 2000 - n' || fail "guardian-stop: lag/positions: $out"
  grep -q "guardian stopped the repetition at token [0-9]* .*tokens saved" <<<"$err" || fail "guardian-stop: stderr: $err"
fi
# action=answer: the inject text's tokens follow the decision, then exactly M = 16 more tokens
if run guardian-answer 0 --json -n 2000 --guardian "f=50,t=20,action=answer,inject=The end.,answer-tokens=16"; then
  inj=$("$LIL" tokenize -m "$LIL_SOURCE_ROOT/assets/stories260K.gguf" --no-bos --special "The end.")
  json 'g = d["guardian"]; a = g["answer_at"]; inj = [int(x) for x in "'"$inj"'".split()]
assert d["stop"] == "guardian" and g["action"] == "answer" and g["published_at"] <= a <= g["published_at"] + 1
assert d["ids"][a:a + len(inj)] == inj and len(d["ids"]) == a + len(inj) + 16 and "The end." in d["text"]' ||
    fail "guardian-answer: $out"
fi
# --profile: per-kernel GPU time table of one decode step
run profile 0 -n 4 --profile
grep -q "profile: one decode step, [0-9]* dispatches" <<<"$err" && grep -q "attn_decode" <<<"$err" &&
  grep -q "matvec_f32" <<<"$err" || fail "profile: $err"
# errors: one line, non-zero exit
printf 'Once \xff upon' >"$tmp/bad.txt"
run bad-utf8 2 -f "$tmp/bad.txt"; one_line_err bad-utf8 "not valid UTF-8"
python3 -c 'print("Once upon a time " * 40)' >"$tmp/long.txt"
run too-long 1 -f "$tmp/long.txt" -c 64; one_line_err too-long "prompt is [0-9]* tokens, context is 64"
head -c 5000 "$LIL_SOURCE_ROOT/assets/stories260K.gguf" >"$tmp/trunc.gguf"
run corrupt 1 -m "$tmp/trunc.gguf"; one_line_err corrupt "trunc.gguf"
run missing 1 -m "$tmp/nope.gguf"; one_line_err missing "nope.gguf"
"$MKBAD" "$tmp/arch.gguf" || fail "could not write the unknown-arch GGUF"
run unknown-arch 1 -m "$tmp/arch.gguf"; one_line_err unknown-arch "gpt-neo"
run bad-temp 2 --temp hot; one_line_err bad-temp "\-\-temp"
run bad-n 2 -n 0; one_line_err bad-n "\-n"
run bad-sparse 2 --sparse lru; one_line_err bad-sparse "lru"
run bad-kv 2 --kv-type q8; one_line_err bad-kv "q8"
run bad-guardian 2 --guardian=frobs=1 -n 1; one_line_err bad-guardian "frobs"
LIL_PREFILL_W16=many run bad-w16 2 -n 1; one_line_err bad-w16 "LIL_PREFILL_W16: expected a token count"
LIL_PREFILL_MATMUL=9x9 run bad-design 2 -n 1; one_line_err bad-design "LIL_PREFILL_MATMUL: no tensor-core matmul design '9x9'"
run help 0 --help; grep -q "usage: lil run" <<<"$out" || fail "help"
[ $fails = 0 ] && echo "run_cli: all checks passed"
exit $((fails > 0))
