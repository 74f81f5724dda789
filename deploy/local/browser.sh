#!/usr/bin/env bash
# Installs Debian's headless browser for the dashboard's end-to-end test (tests/integration/
# test_dashboard.py): `chromium`, `chromium-driver` and a font for the screenshots. Selenium drives
# /usr/bin/chromium through /usr/bin/chromedriver; no browser is ever downloaded by a Python package.
# Idempotent and quiet: does nothing when all are there. Non-interactive; needs root (CI runs as
# root) or sudo when something is missing.
set -euo pipefail

want=()
[[ -x /usr/bin/chromium ]] || want+=(chromium)
[[ -x /usr/bin/chromedriver ]] || want+=(chromium-driver)
[[ -d /usr/share/fonts/truetype/dejavu ]] || want+=(fonts-dejavu-core)  # text in the screenshots
((${#want[@]})) || exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "[browser] apt-get not found: install ${want[*]} by hand" >&2
  exit 1
fi
sudo_cmd=(env DEBIAN_FRONTEND=noninteractive)
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "[browser] need root to install ${want[*]}" >&2; exit 1; }
  sudo_cmd=(sudo -n env DEBIAN_FRONTEND=noninteractive)
fi

echo "[browser] installing ${want[*]} from Debian" >&2
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
apt_log="$(mktemp)"
trap 'rm -f "$apt_log"' EXIT
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${want[@]}" >"$apt_log" 2>&1 \
  || { cat "$apt_log" >&2; exit 1; }
[[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]] || { echo "[browser] install failed" >&2; exit 1; }
