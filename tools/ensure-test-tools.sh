#!/usr/bin/env bash
# Makes sure the tools the end-to-end and browser tiers call besides Node are installed, from
# Debian's packages with apt when one is missing:
#   promtool (package prometheus): checks the alert rules and the Prometheus configuration in ops/;
#   haproxy: checks the cluster compose file's load balancer configuration;
#   docker-compose, where Docker's `docker compose` is not there: `config` validates the compose
#   files (no Docker daemon needed);
#   chromium: the browser the console's tests drive through playwright-core (which downloads none).
# Run by `npm run test:e2e` and `npm run test:browser` (and so `npm test`), and by `npm run bench`
# (its console benchmark drives Chromium).
set -euo pipefail

log() { printf '[test tools] %s\n' "$*"; }

# tool:package, for each tool the tier runs
wanted=(promtool:prometheus haproxy:haproxy)
packages=()
for pair in "${wanted[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || packages+=("${pair#*:}")
done
[ -x /usr/bin/chromium ] || packages+=(chromium)
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then packages+=(docker-compose); fi
[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "missing: install Debian's ${packages[*]} package(s) (sudo apt-get install ${packages[*]}), or put their tools on the PATH" >&2
  exit 1
fi
log "installing ${packages[*]} (Debian packages)"
# Only their tools are wanted: the packages' own servers are not started meanwhile.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
for package in "${packages[@]}"; do
  if ! apt-cache show "$package" >/dev/null 2>&1; then apt-get update -qq; break; fi
done
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
command -v promtool >/dev/null && log "$(promtool --version 2>&1 | head -1)"
command -v haproxy >/dev/null && log "$(haproxy -v 2>&1 | head -1)"
if command -v docker-compose >/dev/null; then log "$(docker-compose version 2>&1 | head -1)"; fi
if [ -x /usr/bin/chromium ]; then log "$(/usr/bin/chromium --version 2>/dev/null | head -1)"; fi
