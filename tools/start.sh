#!/usr/bin/env bash
# Starts the whole system on this machine: the servers (if down), the build (Nx compiles only
# the projects that changed since the last one), and the five services in the background.
# Logs go to tmp/logs/<service>.log; `npm stop` stops them.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/ensure-servers.sh
npm run --silent build

mkdir -p tmp/logs tmp/pids
# The key that seals webhook signing secrets: made once for this machine, kept in tmp/.
if [ -z "${WEBHOOKS_SECRET_KEY:-}" ]; then
  [ -s tmp/webhooks-secret-key ] || (umask 077 && openssl rand -base64 32 >tmp/webhooks-secret-key)
  WEBHOOKS_SECRET_KEY=$(cat tmp/webhooks-secret-key)
  export WEBHOOKS_SECRET_KEY
fi
bash tools/stop.sh --quiet

start_service() { # name, health port
  local name=$1 port=$2
  # appended (O_APPEND), so that the bootstrap line can be cut out of the log below
  local flags
  flags=$(node -p "const f = require('./tools/node-flags.json'); (f['$name'] ?? f.default).join(' ')")
  # shellcheck disable=SC2086 # the flags are words
  HTTP_PORT=$port nohup node $flags "dist/apps/$name/src/main.js" >>"tmp/logs/$name.log" 2>&1 &
  echo $! >"tmp/pids/$name.pid"
}

start_service users-service "${USERS_HTTP_PORT:-3001}"
start_service tokens-service "${TOKENS_HTTP_PORT:-3002}"
start_service audit-service "${AUDIT_HTTP_PORT:-3003}"
start_service webhooks-service "${WEBHOOKS_HTTP_PORT:-3004}"
start_service gateway "${GATEWAY_HTTP_PORT:-3000}"

for entry in "users-service:${USERS_HTTP_PORT:-3001}" "tokens-service:${TOKENS_HTTP_PORT:-3002}" \
  "audit-service:${AUDIT_HTTP_PORT:-3003}" "webhooks-service:${WEBHOOKS_HTTP_PORT:-3004}" "gateway:${GATEWAY_HTTP_PORT:-3000}"; do
  name=${entry%%:*} port=${entry##*:}
  for i in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$(cat "tmp/pids/$name.pid")" 2>/dev/null; then
      echo "$name exited; its log (tmp/logs/$name.log) ends with:" >&2
      tail -n 20 "tmp/logs/$name.log" >&2
      exit 1
    fi
    if [ "$i" = 120 ]; then echo "$name is not ready after 60 s: see tmp/logs/$name.log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "$name ready (health: http://127.0.0.1:$port/health)"
done

# On the very first start the users service creates the super admin and prints its
# generated password once: show it here and keep it out of the log file.
if grep -q "WARDEN BOOTSTRAP" tmp/logs/users-service.log; then
  echo
  grep -h "WARDEN BOOTSTRAP" tmp/logs/users-service.log
  grep -v "WARDEN BOOTSTRAP" tmp/logs/users-service.log >tmp/logs/users-service.log.tmp || true
  cat tmp/logs/users-service.log.tmp >tmp/logs/users-service.log && rm -f tmp/logs/users-service.log.tmp
fi

echo
echo "Warden is up: gateway at http://127.0.0.1:${GATEWAY_HTTP_PORT:-3000}/api/v1"
echo "Admin console: http://127.0.0.1:${GATEWAY_HTTP_PORT:-3000}/console (sign in as the admin)"
echo "Logs in tmp/logs/; stop everything with: npm stop"
