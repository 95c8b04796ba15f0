#!/usr/bin/env bash
# Packs Debian 12's lavapipe (Mesa's CPU Vulkan driver) for the GPU machine, which has none, so that
# `lil bench suite --all-devices` measures the NVIDIA GPU and lavapipe in one call (issue 17):
#   bash tools/lavapipe-carry.sh .carry/lvp.tar.xz
# On the device: mkdir -p /tmp/lvp && tar -C /tmp/lvp -xJf .carry/lvp.tar.xz, then add
# /tmp/lvp/usr/lib/x86_64-linux-gnu to LD_LIBRARY_PATH (after the system's) and /tmp/lvp/lvp_icd.json
# to VK_DRIVER_FILES (docs/device-runs/session10/run2.sh does this).
# The carry limit (64 MiB with the working tree) leaves no room for libxml2's ICU data (~10 MB), and
# lavapipe never calls libxml2: libLLVM-15 links it (bound at load, BIND_NOW) only for Windows
# manifest merging. So, where the machine has no libxml2.so.2 of its own, a stub with the same
# soname, symbol versions and the 17 symbols LLVM imports answers the loader; any call to one of them
# aborts (none happens in a Vulkan compute run).
set -euo pipefail
out=$(realpath -m "${1:?usage: lavapipe-carry.sh OUT.tar.xz}")
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"
apt-get download mesa-vulkan-drivers libllvm15 libz3-4 libdrm2 libxcb-dri3-0 libwayland-client0 libxcb1 \
  libx11-xcb1 libxcb-present0 libxcb-xfixes0 libxcb-sync1 libxcb-randr0 libxcb-shm0 libxshmfence1 libxau6 \
  libxdmcp6 libedit2 libbsd0 libmd0 >/dev/null 2>&1
mkdir root
for f in *.deb; do dpkg -x "$f" root; done
lib=root/usr/lib/x86_64-linux-gnu
rm -rf root/usr/share/doc root/usr/share/bug root/usr/bin root/usr/share/vulkan/explicit_layer.d \
  root/usr/share/vulkan/implicit_layer.d "$lib"/libvulkan_intel* "$lib"/libvulkan_radeon.so "$lib"/libVkLayer_*
find root/usr/share/vulkan/icd.d -type f ! -name 'lvp_icd.*' -delete
sed 's|"library_path": *"[^"]*"|"library_path": "/tmp/lvp/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so"|' \
  root/usr/share/vulkan/icd.d/lvp_icd.x86_64.json >root/lvp_icd.json
# the stub, under its own folder (used only when the system has no libxml2.so.2)
syms=$(objdump -T "$lib/libLLVM-15.so.1" | awk '/\(LIBXML2_/ {print $(NF-1), $NF}')
{
  echo '#include <stdlib.h>'
  echo "$syms" | while read -r ver name; do
    if [ "$name" = xmlFree ]; then echo "void *$name = 0;"; else echo "void $name(void) { abort(); }"; fi
  done
} >stub.c
# each symbol in its version node (the default version of that name)
echo "$syms" | awk '{gsub(/[()]/, "", $1); n[$1] = n[$1] " " $2 ";"} END {for (v in n) print v " { global:" n[v] " };"}' >stub.map
mkdir -p root/stub
gcc -shared -fPIC -O1 -Wl,-soname,libxml2.so.2 -Wl,--version-script=stub.map stub.c -o root/stub/libxml2.so.2
tar -C root -cf - . | xz -T2 -6 >"$out"
ls -la "$out"
