#!/usr/bin/env bash
# Session 10, issue 17: the comparison suite on every device of the GPU machine (the NVIDIA GPU and
# lavapipe) in one call, then the report across them. The build is carried as .carry/b.tar.xz (as
# run1.sh); lavapipe as .carry/lvp.tar.xz (tools/lavapipe-carry.sh: Debian's mesa-vulkan-drivers and
# the libraries it needs, unpacked to /tmp/lvp beside the system, its ICD at /tmp/lvp/lvp_icd.json;
# the libxml2 stub only where the machine has no libxml2.so.2).
# Writes under $OUT: gpu.txt, devices.json, suite.json (rewritten after each device, so a cut call
# keeps the finished ones), suite.stderr (progress), report.md, report.svg; about 240 s in all.
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
mkdir -p /tmp/b && tar -C /tmp -xJf .carry/b.tar.xz
ln -sfn $PWD/assets /tmp/assets # the bundled model and vocabulary, as the build tree finds them
B=/tmp/b; L=$B/cli/lil
if [ -f .carry/lvp.tar.xz ]; then
  mkdir -p /tmp/lvp && tar -C /tmp/lvp -xJf .carry/lvp.tar.xz
  export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/tmp/lvp/usr/lib/x86_64-linux-gnu
  ldconfig -p | grep -q 'libxml2\.so\.2 ' || export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/tmp/lvp/stub
  export VK_DRIVER_FILES=${VK_DRIVER_FILES:+$VK_DRIVER_FILES:}/tmp/lvp/lvp_icd.json
else
  echo "no .carry/lvp.tar.xz: the suite runs on the NVIDIA GPU only" >"$OUT/lavapipe-missing.txt"
fi
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >"$OUT/gpu.txt" 2>&1
"$L" devices --json >"$OUT/devices.json" 2>&1
# the suite; its temporary models (about 6 GB: qwen3-0.6b, llama-1b, llama-8b) go to /tmp
TMPDIR=/tmp timeout 300 "$L" bench suite --all-devices --json "$OUT/suite.json" 2>"$OUT/suite.stderr"
echo "suite rc=$? after $SECONDS s" >>"$OUT/suite.stderr"
"$L" report "$OUT/suite.json" --md "$OUT/report.md" --svg "$OUT/report.svg" 2>>"$OUT/suite.stderr"
echo "report rc=$? total $SECONDS s" >>"$OUT/suite.stderr"
