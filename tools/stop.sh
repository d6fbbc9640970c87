#!/usr/bin/env bash
# Stops the services started by tools/start.sh: SIGTERM (graceful), then SIGKILL after 15 s.
cd "$(dirname "$0")/.."
quiet=${1:-}
shopt -s nullglob
for pidfile in tmp/pids/*.pid; do
  pid=$(cat "$pidfile")
  name=$(basename "$pidfile" .pid)
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    [ "$quiet" = --quiet ] || echo "stopped $name"
  fi
  rm -f "$pidfile"
done
