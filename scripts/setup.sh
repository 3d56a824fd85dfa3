#!/usr/bin/env bash
# Create .venv and install kvali with every feature (speech, names, semantic search, web, PostgreSQL).
# Usage: bash scripts/setup.sh [EXTRAS]   (default EXTRAS: all; the tests use: test)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e ".[${1:-all}]"
# Speaker embeddings: Resemblyzer's weights without its torch-based code (kvali runs them in numpy).
.venv/bin/pip install -q --no-deps resemblyzer==0.1.4
