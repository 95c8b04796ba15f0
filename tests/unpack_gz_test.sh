#!/usr/bin/env bash
# unpack_gz, the build step that unpacks the compressed test data: a good file gives the exact bytes;
# truncated, corrupt or non-gzip input fails with a one-line error naming the file and leaves no output.
# usage: unpack_gz_test.sh PATH/TO/unpack_gz
set -u
UNPACK=$1
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src="$LIL_SOURCE_ROOT/tests/data/tokenizer/ggml-vocab-llama-spm.gguf.gz"
"$UNPACK" "$src" "$tmp/ok" || fail "good file: exit $?"
gzip -dc "$src" | cmp -s - "$tmp/ok" || fail "good file: bytes differ from gzip -dc"
[ -e "$tmp/ok.tmp" ] && fail "good file: temporary left behind"
run() { # run NAME INPUT EXPECTED_STATUS PATTERN
  local out st
  out=$("$UNPACK" "$2" "$tmp/$1" 2>&1)
  st=$?
  [ "$st" = "$3" ] || fail "$1: exit $st, expected $3: $out"
  grep -q -- "$4" <<<"$out" || fail "$1: output lacks '$4': $out"
  [ "$(wc -l <<<"$out")" = 1 ] || fail "$1: not one line: $out"
  [ -e "$tmp/$1" ] || [ -e "$tmp/$1.tmp" ] && fail "$1: output left behind"
}
head -c 100000 "$src" >"$tmp/cut.gz"
run cut "$tmp/cut.gz" 1 "corrupt gzip data in '$tmp/cut.gz': unexpected end of file"
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) // 2] ^= 0xff; open(sys.argv[2], "wb").write(d)' \
  "$src" "$tmp/flip.gz"
run flip "$tmp/flip.gz" 1 "corrupt gzip data in '$tmp/flip.gz'"
run plain "$LIL_SOURCE_ROOT/tests/data/tokenizer/ggml-vocab-gpt-2.gguf.inp" 1 "not a gzip file"
run missing "$tmp/none.gz" 1 "cannot open '$tmp/none.gz': No such file or directory"
out=$("$UNPACK" 2>&1)
[ $? = 2 ] && grep -q "usage: unpack_gz" <<<"$out" || fail "no arguments: $out"
[ $fails = 0 ] && echo "unpack_gz: all checks passed"
exit $((fails > 0))
