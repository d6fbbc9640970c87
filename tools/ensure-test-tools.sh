#!/usr/bin/env bash
# Makes sure the tools the end-to-end and browser tiers call besides Node are installed, from
# Debian's packages with apt when one is missing:
#   promtool (package prometheus): checks the alert rules and the Prometheus configuration in ops/;
#   chromium: the browser the console's tests drive through playwright-core (which downloads none).
# Run by `npm run test:e2e` and `npm run test:browser` (and so `npm test`).
set -euo pipefail

log() { printf '[test tools] %s\n' "$*"; }

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "missing Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]}), or put promtool on the PATH and Chromium at /usr/bin/chromium" >&2
  exit 1
fi
log "installing ${missing[*]} (Debian's packages)"
# Only promtool is wanted of prometheus: the package's own Prometheus server is not started meanwhile.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
for package in "${missing[@]}"; do
  if ! apt-cache show "$package" >/dev/null 2>&1; then apt-get update -qq; break; fi
done
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if command -v promtool >/dev/null; then log "$(promtool --version 2>&1 | head -1)"; fi
if [ -x /usr/bin/chromium ]; then log "$(/usr/bin/chromium --version 2>/dev/null | head -1)"; fi
