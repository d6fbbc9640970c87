#!/usr/bin/env bash
# Makes sure the tools the end-to-end tier calls besides Node are installed: promtool (Debian's
# `prometheus` package), which checks the alert rules and the Prometheus configuration in ops/.
# Run by `npm run test:e2e` (and so `npm test`); installs with apt when it is missing.
set -euo pipefail

log() { printf '[test tools] %s\n' "$*"; }
command -v promtool >/dev/null 2>&1 && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "promtool is missing: install Debian's prometheus package (sudo apt-get install prometheus), or put promtool on the PATH" >&2
  exit 1
fi
log "installing promtool (Debian's prometheus package)"
# Only its promtool is wanted: the package's own Prometheus server is not started meanwhile.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
if ! apt-cache show prometheus >/dev/null 2>&1; then apt-get update -qq; fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null && log "$(promtool --version 2>&1 | head -1)"
