#!/usr/bin/env bash
# The e2e tier drives the API explorer in headless Chromium (Debian's package; playwright-core
# never downloads a browser of its own). Installs it when missing and apt is usable (CI runs as
# root); otherwise says so, and the browser test skips with that reason.
set -uo pipefail
if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "ensure-chromium: $("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null | head -1)" >&2
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "ensure-chromium: no Chromium and no apt as root here; the explorer browser test will skip" >&2
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium >/dev/null 2>&1 ||
  echo "ensure-chromium: installing chromium failed; the explorer browser test will skip" >&2
