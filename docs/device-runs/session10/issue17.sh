#!/usr/bin/env bash
# Session 10, issue 17: the comparison suite on every device of the GPU machine (the NVIDIA GPU and
# lavapipe) in one call, then the report across them. The build is carried as .carry/b.tar.xz (as
# run1.sh); lavapipe comes from the Debian packages carried in .gl/ (mesa-vulkan-drivers and the
# libraries it needs, e.g. libllvm15, libdrm2, libz3-4, libsensors5, libxcb*, libwayland-client0),
# unpacked beside the system (not over it) and added to the loader's driver list next to NVIDIA's.
# Writes under $OUT: devices.json, suite.json (rewritten after each device, so a cut call keeps the
# finished ones), suite.stderr (progress), report.md, report.svg; all within about 240 s.
set -u
source tools/gpu-env.sh
export LIL_SOURCE_ROOT=$PWD
mkdir -p /tmp/b && tar -C /tmp -xJf .carry/b.tar.xz
ln -sfn $PWD/assets /tmp/assets # the bundled model and vocabulary, as the build tree finds them
B=/tmp/b; L=$B/cli/lil
# lavapipe: every carried package that gpu-env.sh did not unpack into / goes to /tmp/lvp
mkdir -p /tmp/lvp
for f in .gl/*.deb; do
  case "$(basename "$f")" in
  libvulkan1_* | vulkan-validationlayers_* | libegl1_* | libglvnd0_* | libopengl0_* | libgl1_* | libglx0_* | libgles2_*) ;;
  *) dpkg -x "$f" /tmp/lvp 2>/dev/null ;;
  esac
done
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/tmp/lvp/usr/lib/x86_64-linux-gnu
LVP_ICD=$(ls /tmp/lvp/usr/share/vulkan/icd.d/lvp_icd.*.json 2>/dev/null | head -1)
if [ -n "$LVP_ICD" ]; then
  # the ICD names libvulkan_lvp.so by its installed path: point it at the unpacked copy
  sed "s|\"library_path\": *\"[^\"]*libvulkan_lvp.so\"|\"library_path\": \"/tmp/lvp/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so\"|" \
    "$LVP_ICD" >/tmp/lvp/lvp_icd.json
  export VK_DRIVER_FILES=${VK_DRIVER_FILES:+$VK_DRIVER_FILES:}/tmp/lvp/lvp_icd.json
else
  echo "no lavapipe package in .gl/: the suite runs on the NVIDIA GPU only" >"$OUT/lavapipe-missing.txt"
fi
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader >"$OUT/gpu.txt" 2>&1
"$L" devices --json >"$OUT/devices.json" 2>&1
# the suite: temporary models (about 6 GB for qwen3-0.6b, llama-1b, llama-8b) go to /tmp
TMPDIR=/tmp timeout 300 "$L" bench suite --all-devices --json "$OUT/suite.json" 2>"$OUT/suite.stderr"
echo "suite rc=$? after $SECONDS s" >>"$OUT/suite.stderr"
"$L" report "$OUT/suite.json" --md "$OUT/report.md" --svg "$OUT/report.svg" 2>>"$OUT/suite.stderr"
echo "report rc=$? total $SECONDS s" >>"$OUT/suite.stderr"
