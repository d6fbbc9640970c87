#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and NATS (with JetStream) answer on localhost, starting any
# that is down with this machine's commands, then creates the databases Warden uses. Run by
# `npm start`, `npm test` and CI. One that is neither running nor installed stops it at once,
# with one message naming what is missing and how to get it.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[servers] %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
url_port() { # url, default: the port of a URL's first host
  local rest=${1#*://}; rest=${rest#*@}; rest=${rest%%/*}; rest=${rest%%,*}
  if [[ $rest == *:* ]]; then echo "${rest##*:}"; else echo "$2"; fi
}

# The servers the tests use (libs/testing/src/servers.ts); the database URL brings its password, if any.
DATABASE_SERVER_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/warden_test}
DATABASE_SERVER_URL=${DATABASE_SERVER_URL%/*}
POSTGRES_PORT=$(url_port "$DATABASE_SERVER_URL" 5432)
REDIS_PORT=$(url_port "${TEST_REDIS_URL:-redis://127.0.0.1:6379}" 6379)
NATS_PORT=$(url_port "${TEST_NATS_URL:-nats://127.0.0.1:4222}" 4222)

wait_for() { # name, command
  local name=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then log "$name is up"; return 0; fi
    sleep 0.5
  done
  log "$name did not come up"; return 1
}

# Where the client tools are missing (the servers run in containers), an open port will do.
postgres_up() { if have pg_isready; then pg_isready -q -d "$DATABASE_SERVER_URL/postgres"; else port_open "$POSTGRES_PORT"; fi; }
redis_up() { if have redis-cli; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; else port_open "$REDIS_PORT"; fi; }
nats_up() { port_open "$NATS_PORT"; }
postgres_cluster() { ls /etc/postgresql 2>/dev/null | sort -V | tail -1; }

missing=() packages=() services=()
if ! postgres_up && ! { have pg_ctlcluster && [ -n "$(postgres_cluster)" ]; }; then
  missing+=("PostgreSQL (port $POSTGRES_PORT)") packages+=(postgresql) services+=(postgres)
fi
if ! redis_up && ! have redis-server; then missing+=("Redis (port $REDIS_PORT)") packages+=(redis-server) services+=(redis); fi
if ! nats_up && ! have nats-server; then missing+=("NATS with JetStream (port $NATS_PORT)") packages+=(nats-server) services+=(nats); fi
if [ ${#missing[@]} -gt 0 ]; then
  names=$(printf '%s, ' "${missing[@]}")
  {
    log "Not running on 127.0.0.1, and not installed where this script can start it: ${names%, }."
    log "Get it with the package manager (Debian, Ubuntu: sudo apt-get install ${packages[*]}),"
    log "or run the compose file's infrastructure services: docker compose up -d --wait ${services[*]}"
    if [[ " ${services[*]} " == *" postgres "* ]]; then
      log "and give the tests and the services its password: export TEST_DATABASE_URL=postgres://postgres:warden@127.0.0.1:5432/warden_test DATABASE_URL=postgres://postgres:warden@127.0.0.1:5432/warden"
    fi
  } >&2
  exit 1
fi

if ! postgres_up; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(postgres_cluster)" main start
fi
wait_for PostgreSQL postgres_up

if ! redis_up; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for Redis redis_up

if ! nats_up; then
  log "starting NATS with JetStream"
  mkdir -p /var/lib/nats-server
  set -- -a 127.0.0.1 -p "$NATS_PORT" -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  if have start-stop-daemon; then
    start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- "$@"
  else
    nohup nats-server "$@" >/dev/null 2>&1 </dev/null &
    disown
  fi
fi
wait_for NATS nats_up

database_exists() { # name
  if have psql; then
    psql "$DATABASE_SERVER_URL/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1
  else
    node -e "const { Client } = require('pg'); const c = new Client(process.argv[1]); c.connect()
      .then(() => c.query('SELECT 1 FROM pg_database WHERE datname = \$1', [process.argv[2]]))
      .then((r) => process.exit(r.rowCount ? 0 : 1), () => process.exit(2))" "$DATABASE_SERVER_URL/postgres" "$1"
  fi
}
create_database() { # name
  if have psql; then
    psql "$DATABASE_SERVER_URL/postgres" -qc "CREATE DATABASE $1"
  else
    node -e "const { Client } = require('pg'); const c = new Client(process.argv[1]); c.connect()
      .then(() => c.query('CREATE DATABASE ' + process.argv[2])).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })" \
      "$DATABASE_SERVER_URL/postgres" "$1"
  fi
}
for db in warden warden_test; do
  if ! database_exists "$db"; then create_database "$db" && log "created database $db"; fi
done
