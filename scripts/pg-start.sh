#!/usr/bin/env bash
# Start a throw-away PostgreSQL for the test suite and print its URL.
# Usage: eval "$(bash scripts/pg-start.sh)"   → exports KVALI_TEST_POSTGRES_URL
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || { echo "PostgreSQL server not installed (apt-get install postgresql)" >&2; exit 1; }
PGDATA=${KVALI_PGDATA:-/tmp/kvali-pg}
PORT=${KVALI_PGPORT:-54329}
if ! id postgres >/dev/null 2>&1; then useradd --system --home /var/lib/postgresql postgres; fi
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  rm -rf "$PGDATA"; mkdir -p "$PGDATA"; chown postgres "$PGDATA" 2>/dev/null || true
  as_pg "$PGBIN/initdb -D $PGDATA -U postgres -A trust -E UTF8 --locale=C.UTF-8" >&2
fi
if ! as_pg "$PGBIN/pg_ctl -D $PGDATA status" >/dev/null 2>&1; then
  as_pg "$PGBIN/pg_ctl -D $PGDATA -l $PGDATA/log -w -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off' start" >&2
fi
as_pg "$PGBIN/psql -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='kvali_test'\"" | grep -q 1 \
  || as_pg "$PGBIN/createdb -h 127.0.0.1 -p $PORT -U postgres kvali_test"
echo "export KVALI_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PORT/kvali_test"
