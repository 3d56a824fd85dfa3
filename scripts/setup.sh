#!/usr/bin/env bash
# Create .venv and install kvali with every feature (speech, names, semantic search, web, PostgreSQL).
# Usage: bash scripts/setup.sh [EXTRAS]   (default EXTRAS: all; the tests use: test)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
EXTRAS=${1:-all}
.venv/bin/pip install -q -e ".[${EXTRAS}]"
# What these extras need installed without dependencies, as pyproject.toml declares it under
# [tool.kvali.no-deps] (speaker: Resemblyzer's weights without its torch-based code; kvali runs
# them in numpy).
mapfile -t NODEPS < <(.venv/bin/python scripts/extras.py no-deps "$EXTRAS")
if [ ${#NODEPS[@]} -gt 0 ]; then
  .venv/bin/pip install -q --no-deps "${NODEPS[@]}"
fi
