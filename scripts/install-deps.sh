#!/usr/bin/env bash
# Installs the Debian 12 packages SonoSpine needs, only those that are missing.
# Idempotent: a second run installs nothing. As non-root it prints the exact
# apt-get line to run and exits 1.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libsdl2-dev libglew-dev libcglm-dev libcriterion-dev
  libgl1-mesa-dri libegl-mesa0 libegl-dev libgl-dev
  libcjson-dev libstb-dev fonts-dejavu-core
  libcairo2-dev libsqlite3-dev libsodium-dev
  libopenigtlink-dev
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root:  apt-get update && $line" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends "${missing[@]}"
