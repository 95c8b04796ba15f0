#!/usr/bin/env bash
# Runs lil's libFuzzer targets (fuzz/, docs/reliability.md) for a given time each.
#
#   tools/fuzz.sh [-t SECONDS] [-j JOBS] [-B BUILD_DIR] [TARGET...]
#
# Builds BUILD_DIR (default build-fuzz: CC=clang, -Dfuzz=true, ASan + UBSan) when missing, writes
# the seed corpora (tools/fuzz_seeds.py) and runs each TARGET (default: all) for SECONDS (default
# 60) with JOBS parallel workers (default 1), keeping the grown corpus in BUILD_DIR/fuzz-corpus/
# for the next run. Crashes, leaks, timeouts and failed checks are written to
# BUILD_DIR/fuzz-artifacts/TARGET-*; the summary gives executions, time and findings per target.
# Exit status 1 when anything was found. Reproduce one: BUILD_DIR/fuzz/TARGET ARTIFACT.
set -u
secs=60 jobs=1 build=build-fuzz
while getopts "t:j:B:h" o; do
  case $o in
  t) secs=$OPTARG ;;
  j) jobs=$OPTARG ;;
  B) build=$OPTARG ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
root=$(cd "$(dirname "$0")/.." && pwd)
all="fuzz_gguf fuzz_tokenize fuzz_chat fuzz_guardian_jsonl fuzz_cli_run"
targets=${*:-$all}
cd "$root" || exit 2
command -v clang >/dev/null || { echo "fuzz.sh: clang not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; return (int)n * 0; }\n' |
  clang -fsanitize=fuzzer -x c - -o /dev/null 2>/dev/null ||
  { echo "fuzz.sh: clang cannot link libFuzzer (apt-get install libclang-rt-14-dev)" >&2; exit 2; }
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    --buildtype=debugoptimized >/dev/null || exit 2
fi
for t in $targets; do ninja -C "$build" "fuzz/$t" >/dev/null || { echo "fuzz.sh: cannot build $t" >&2; exit 2; }; done
seeds="$build/fuzz-seeds"
rm -rf "$seeds"
python3 tools/fuzz_seeds.py "$seeds" || exit 2
mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"
found=0
printf '%-22s %8s %12s %9s %8s %s\n' target seconds executions exec/s corpus findings
for t in $targets; do
  corpus="$build/fuzz-corpus/$t"
  mkdir -p "$corpus"
  maxlen=4096 quiet=()
  [ "$t" = fuzz_gguf ] && maxlen=65536
  # targets whose code prints (usage, per-record errors): closed for the target, libFuzzer keeps its own
  case $t in fuzz_cli_run) quiet=(-close_fd_mask=3) ;; fuzz_guardian_jsonl) quiet=(-close_fd_mask=2) ;; esac
  before=$(ls "$build/fuzz-artifacts" | grep -c "^$t-")
  log="$build/fuzz-logs/$t.log"
  start=$(date +%s)
  # fork mode: JOBS worker processes; keeps going after a finding (each is saved as an artifact)
  mode=(-fork="$jobs" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
  LIL_SOURCE_ROOT="$root" ASAN_OPTIONS=detect_leaks=1 nice "$build/fuzz/$t" "${mode[@]}" "${quiet[@]}" -max_total_time="$secs" \
    -max_len=$maxlen -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$t-" "$corpus" "$seeds/$t" >"$log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  # fork mode's status lines start with the executions of all workers so far: "#N: cov: ..."
  execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  execs=${execs:-0}
  after=$(ls "$build/fuzz-artifacts" | grep -c "^$t-")
  new=$((after - before))
  [ $rc != 0 ] && [ $new = 0 ] && new="exit $rc (see $log)"
  [ "$new" != 0 ] && found=1
  printf '%-22s %8s %12s %9s %8s %s\n' "$t" "$took" "$execs" "$((execs / (took > 0 ? took : 1)))" \
    "$(ls "$corpus" | wc -l)" "$new"
done
exit $found
