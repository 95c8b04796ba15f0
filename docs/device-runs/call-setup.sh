# Sourced by the GPU-call scripts (docs/device-runs/session*/run*.sh) in the repository root on the
# device machine: the carried loader (tools/gpu-env.sh), build-gpu's binaries from .dev/b.tar.xz in
# /tmp/b, results in /tmp/r packed into $OUT/r.tar.gz by `pack STEP`, `left` = seconds to DEADLINE,
# `t LIMIT TEST...` runs tests with validation (libnvidia-tls preloaded: docs/benchmarks.md).
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
  LD_PRELOAD=$TLS LIL_VALIDATE=1 timeout $lim "$B/tests/$x" 2>&1 | grep -E '^[0-9]+%|:[EF]:|alidation|worst|SKIP' | head -40
  echo "rc=${PIPESTATUS[0]} seconds=$((SECONDS - s))"; done; }
bp() { local tag=$1; shift; echo "== $tag"; timeout $(( $(left) > 60 ? 60 : $(left) )) "$@"; echo "rc=$?"; }
