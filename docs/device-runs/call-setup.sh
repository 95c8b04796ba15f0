# Sourced by the GPU-call scripts (docs/device-runs/session*/run*.sh) in the repository root on the
# device machine: the carried loader (tools/gpu-env.sh), build-gpu's binaries from .dev/b.tar.xz in
# /tmp/b, results in /tmp/r packed into $OUT/r.tar.gz by `pack STEP`, `left` = seconds to DEADLINE,
# `t LIMIT TEST...` runs tests with validation (VALIDATE=0: without; libnvidia-tls preloaded:
# docs/benchmarks.md; EXTRA: a note on each test's header line); `models`,
# `ab` and `vs` (below) the synthetic models, the decode A/B and the llama.cpp race (the scripts of
# calls that ran before a helper existed keep their own lines: they are the record of those calls).
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
mkdir -p /tmp/b && tar -C /tmp -xJf .dev/b.tar.xz
ln -sfn $PWD/assets /tmp/assets
B=/tmp/b; L=$B/cli/lil; R=/tmp/r; SH=.dev/shared; mkdir -p $R
mkdir -p $SH/tokenizer-tests && gunzip -c tests/data/tokenizer/ggml-vocab-qwen2.gguf.gz >$SH/tokenizer-tests/ggml-vocab-qwen2.gguf
TLS=$(ls /usr/local/nvidia/lib64/libnvidia-tls.so.* 2>/dev/null | head -1)
DEADLINE=${DEADLINE:-540}
pack() { echo "$1 at $SECONDS s" >>$R/timing.txt; tar -C /tmp -czf "$OUT/r.tar.gz" r; }
left() { echo $((DEADLINE - SECONDS)); }
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >$R/gpu.txt 2>&1
t() { local lim=$1; shift; for x in "$@"; do s=$SECONDS; echo "== $x ${EXTRA:-}"
  LD_PRELOAD=$TLS LIL_VALIDATE=${VALIDATE:-1} timeout $lim "$B/tests/$x" 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation|worst|SKIP' | head -40
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"; done; }
bp() { local tag=$1; shift; echo "== $tag"; timeout $(( $(left) > 60 ? 60 : $(left) )) "$@"; echo "rc=$?"; }
# `ab MODEL PROMPT ENV...`: lil bench decode on /tmp/MODEL.gguf, each ENV setting ("A=1" or
# "A=1 B=2") in turn, twice (alternating); `vs MODEL...`: versus.sh per model into $R/versus.txt
# (lil run --warmup), packed after each
# `models NAME=SHAPE:TYPE...`: lil synth SHAPE TYPE into /tmp/NAME.gguf (what ab and the profile read),
# messages into $R/synth.txt
models() { for a in "$@"; do local n=${a%%=*} st=${a#*=}
  "$L" synth "${st%%:*}" "${st#*:}" -o /tmp/$n.gguf >/dev/null 2>>$R/synth.txt; done; }
ab() { local m=$1 p=$2; shift 2; for rep in 1 2; do for e in "$@"; do
  [ $(left) -gt 40 ] && ( export $e; bp "$m p$p $e" "$L" bench decode -m /tmp/$m.gguf --prompt $p --tokens 64 --iters 2 --json )
done; done; }
vs() { for m in "$@"; do
  [ $(left) -gt 70 ] && { echo "== $m"; VS_LIL_ARGS=--warmup VS_MODELS=$m timeout $(( $(left) < 110 ? $(left) : 110 )) bash $SH/peer/versus.sh "$L" .peer; } >>$R/versus.txt 2>&1
  pack versus-$m; done; }
