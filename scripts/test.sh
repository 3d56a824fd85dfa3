#!/usr/bin/env bash
# Set up a virtual environment and run the whole test suite (lint included), on SQLite and on a
# throw-away PostgreSQL that this script starts. The system packages the suite needs are
# installed first when this user may (root, or sudo without a password); otherwise the script
# stops before running anything and prints the apt-get command — never a run with skipped tests.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/system-deps.sh
PKGS=(postgresql chromium espeak-ng hunspell-no npm)  # PostgreSQL runs, browser tests, synthesised speech tests, quote check (nb_NO/nn_NO)
[ -x .venv/bin/python ] || PKGS+=(python3-venv)
need_packages "the test suite" "${PKGS[@]}"
need_python312
bash scripts/setup.sh test
# axe-core, the accessibility engine the browser tests inject (tests/web/test_axe.py), from npm.
AXE_VERSION=4.14.1
if ! grep -qs "\"version\": \"$AXE_VERSION\"" node_modules/axe-core/package.json; then
  npm install --no-save --no-audit --no-fund --silent "axe-core@$AXE_VERSION"
fi
if [ -z "${KVALI_TEST_POSTGRES_URL:-}" ]; then
  eval "$(bash scripts/pg-start.sh)"
fi
echo "PostgreSQL: $KVALI_TEST_POSTGRES_URL"
# Everything the suite needs is installed now, so it runs as under CI: an unexpected skip (a
# missing browser, model package or sample) fails the run instead of passing quietly.
export CI=${CI:-1}
.venv/bin/ruff check src tests bench
.venv/bin/pytest "$@"
