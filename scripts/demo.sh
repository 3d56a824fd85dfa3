#!/usr/bin/env bash
# Set up kvali, build the demo study (the seed thesis) with every report, and open the workbench.
# Usage: bash scripts/demo.sh [DIR]   (default DIR: kvali-demo; an earlier demo there is replaced)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
DIR=${1:-kvali-demo}
FORCE=()
[ -f "$DIR/kvali.db" ] && FORCE=(--force)
exec .venv/bin/kvali demo "$DIR" "${FORCE[@]}" --serve
