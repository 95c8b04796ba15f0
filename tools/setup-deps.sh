#!/usr/bin/env bash
# Installs the Debian packages lil needs to build and test. Root: apt-get install.
# Not root: prints the exact apt-get line and exits non-zero.
set -eu
pkgs="meson ninja-build pkg-config gcc python3 libvulkan-dev libvulkan-volk-dev glslc zlib1g-dev check libjansson-dev mesa-vulkan-drivers vulkan-validationlayers"
missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "lil: installing Debian packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "lil: missing Debian packages. Run:" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
