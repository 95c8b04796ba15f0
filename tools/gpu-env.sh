#!/usr/bin/env bash
# Sourced at the start of every command on the GPU machine (the `device` tool): that machine has
# no Vulkan loader, so the Debian packages carried in .gl/ are unpacked first. See docs/benchmarks.md.
for f in .gl/libvulkan1_*.deb .gl/vulkan-validationlayers_*.deb .gl/libegl1_*.deb .gl/libglvnd0_*.deb .gl/libopengl0_*.deb .gl/libgl1_*.deb .gl/libglx0_*.deb .gl/libgles2_*.deb; do dpkg -x "$f" / 2>/dev/null; done
mkdir -p /tmp/lil-libs
for f in .gl/libjansson4_*.deb .gl/libsubunit0_*.deb; do dpkg -x "$f" /tmp/lil-libs 2>/dev/null; done
export LD_LIBRARY_PATH=/tmp/lil-libs/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
ldconfig
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
export XDG_CACHE_HOME=/tmp/lil-cache
