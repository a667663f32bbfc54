#!/usr/bin/env bash
# Installs the Debian packages listed in .ci/apt-packages.txt when missing (needs root and apt-get).
set -euo pipefail
cd "$(dirname "$0")"
pkgs=$(grep -v '^\s*#' apt-packages.txt | grep -v '^\s*$' || true)
[ -z "$pkgs" ] && exit 0
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "system-packages: please install:$missing (tests that need them will fail)" >&2
  exit 0
fi
echo "system-packages: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq $missing >/dev/null
