#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite.
#   .ci/pg.sh start DIR PORT   -> prints the SQLAlchemy URL of a fresh database
#   .ci/pg.sh stop DIR
# initdb refuses to run as root, so when we are root the cluster belongs to `postgres`.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?cluster folder}; port=${3:-55432}

bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir=$d; done
if [ -z "$bindir" ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir=$d; done
  fi
  [ -n "$bindir" ] || { echo "PostgreSQL is not installed and cannot be installed here" >&2; exit 1; }
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_owner "$bindir/initdb" -D "$dir" -U postgres -A trust --no-sync >&2
    fi
    as_owner "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2
    as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "DROP DATABASE IF EXISTS crebot_test" >&2
    as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE crebot_test" >&2
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/crebot_test"
    ;;
  stop)
    as_owner "$bindir/pg_ctl" -D "$dir" -m fast stop >&2 || true
    ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
