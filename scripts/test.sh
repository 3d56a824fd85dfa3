#!/usr/bin/env bash
# Set up a virtual environment and run the whole test suite (lint included).
# With a PostgreSQL server installed (Debian: apt-get install postgresql), the suite runs on
# SQLite and again on a throw-away PostgreSQL that this script starts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
if [ -z "${KVALI_TEST_POSTGRES_URL:-}" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  eval "$(bash scripts/pg-start.sh)"
fi
echo "PostgreSQL: ${KVALI_TEST_POSTGRES_URL:-not available, SQLite only}"
.venv/bin/ruff check src tests bench
.venv/bin/pytest "$@"
