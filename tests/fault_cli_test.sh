#!/usr/bin/env bash
# Faults seen through `lil run` (docs/reliability.md): a failed device allocation and a lost device
# (the $LIL_FAULT_* hooks), a pipeline cache directory that cannot be written or is full, model
# files truncated at many points. Each: a one-line error naming the cause and exit 1, or (the
# cache) a working run with a warning and no half-written file.
# usage: fault_cli_test.sh PATH/TO/lil
set -u
LIL=$1
MODEL="$LIL_SOURCE_ROOT/assets/stories260K.gguf"
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
# run NAME STATUS CMD...: stdout in $out, stderr in $err
run() {
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  out=$(cat "$tmp/out")
  err=$(grep -v "for shader cache" "$tmp/err") # Mesa's own cache notice (same directory)
  [ "$got" = "$want" ] || { fail "$name: exit $got, expected $want; stderr: $(head -3 "$tmp/err")"; return 1; }
}
one_line_err() { # NAME PATTERN
  grep -q -- "$2" <<<"$err" || fail "$1: stderr lacks '$2': $err"
  [ "$(wc -l <<<"$err")" = 1 ] || fail "$1: error is not one line: $err"
  grep -qi "sanitizer\|runtime error" <<<"$err" && fail "$1: $err"
}

# counts of a clean run: what the hooks count
run counts 0 "$LIL" run -n 8 --verbose || exit 1
allocs=$(sed -n 's/.*lil run: \([0-9]*\) allocations .*, \([0-9]*\) queue waits/\1/p' <<<"$err")
waits=$(sed -n 's/.*lil run: \([0-9]*\) allocations .*, \([0-9]*\) queue waits/\2/p' <<<"$err")
[ "${allocs:-0}" -gt 20 ] && [ "${waits:-0}" -gt 8 ] || fail "counts: $err"
allocs=${allocs:-3} waits=${waits:-3}

# a failed allocation: the first (a weight buffer), one in the middle, the last
for n in 1 $((allocs / 2)) "$allocs"; do
  run "alloc-$n" 1 env LIL_FAULT_ALLOC=$n "$LIL" run -n 8 --json
  one_line_err "alloc-$n" "lil run: .* failed: VK_ERROR_OUT_OF_DEVICE_MEMORY, injected"
  [ -z "$out" ] || fail "alloc-$n: stdout not empty: $out"
done
run alloc-past 0 env LIL_FAULT_ALLOC=$((allocs + 1)) "$LIL" run -n 8
run alloc-bad 2 env LIL_FAULT_ALLOC=many "$LIL" run -n 8; one_line_err alloc-bad "LIL_FAULT_ALLOC='many'"
# the device lost during a transfer (the first upload), in the prompt pass, in the last decode step
for n in 1 $((waits - 8)) "$waits"; do
  run "lost-$n" 1 env LIL_FAULT_DEVICE_LOST=$n "$LIL" run -n 8
  one_line_err "lost-$n" "was lost (VK_ERROR_DEVICE_LOST, injected"
done
grep -q "decode step at position 7: vkWaitForFences" <<<"$err" || fail "lost-$waits: not named as the decode step: $err"
grep -q "^ Once upon a time" <<<"$out" || fail "lost-$waits: the text generated before the loss is missing: $out"

# pipeline cache: a first run writes it
cache="$tmp/cache"
run cache-first 0 env XDG_CACHE_HOME="$cache" "$LIL" run -n 4
bin=$(ls "$cache"/lil/pipelines-*.bin 2>/dev/null)
[ -n "$bin" ] || fail "cache-first: no pipeline cache in $cache/lil"
sum=$(md5sum <"$bin")
# full disk (file size limit 0: every write fails with EFBIG): the run works, warns, and leaves the
# old cache as it was and no temporary file (stdout and stderr through a pipe, which the limit spares)
run cache-full 0 bash -c 'set -o pipefail; trap "" XFSZ; (ulimit -f 0; XDG_CACHE_HOME="$1" exec "$2" run -n 4) 2>&1 | cat' \
  _ "$cache" "$LIL"
grep -q "lil: cannot save the pipeline cache .*: File too large" <<<"$out" || fail "cache-full: no warning: $out"
[ "$(md5sum <"$bin")" = "$sum" ] || fail "cache-full: the old cache changed"
ls "$cache"/lil | grep -q tmp && fail "cache-full: temporary file left: $(ls "$cache"/lil)"
grep -q "^ Once upon a time" <<<"$out" || fail "cache-full: no text: $out"
# the cache directory is a file: the run works, with a warning
touch "$tmp/file"
run cache-notdir 0 env XDG_CACHE_HOME="$tmp/file" "$LIL" run -n 4
grep -q "lil: cannot save the pipeline cache .*: Not a directory" <<<"$err" || fail "cache-notdir: no warning: $err"
# a read-only directory (root ignores permissions: checked only where they apply)
chmod a-w "$cache/lil"
if [ ! -w "$cache/lil" ]; then
  run cache-ro 0 env XDG_CACHE_HOME="$cache" "$LIL" run -n 4
  grep -q "lil: cannot save the pipeline cache .*: Permission denied" <<<"$err" || fail "cache-ro: no warning: $err"
  [ "$(md5sum <"$bin")" = "$sum" ] || fail "cache-ro: the cache changed"
else
  echo "note: running as root, the read-only cache directory case is not checked"
fi
chmod u+w "$cache/lil"

# model files truncated at many points: the header, the metadata, the tensor infos, the data
size=$(stat -c %s "$MODEL")
for cut in 0 23 5000 $((size / 2)) $((size - 1)); do
  head -c "$cut" "$MODEL" >"$tmp/cut.gguf"
  run "truncated-$cut" 1 "$LIL" run -m "$tmp/cut.gguf" -n 4
  one_line_err "truncated-$cut" "cut.gguf"
done

[ $fails = 0 ] && echo "fault_cli: all checks passed"
exit $((fails > 0))
