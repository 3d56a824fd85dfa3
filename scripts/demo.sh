#!/usr/bin/env bash
# Set up kvali, build the demo study (the seed thesis) with every report, and open the workbench.
# Usage: bash scripts/demo.sh [DIR]   (default DIR: kvali-demo; an earlier demo there is replaced)
# The demo's recording ships with kvali and is transcribed here: no espeak-ng, ffmpeg or other
# system package is needed beyond a Python >= 3.11 that can make a virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/system-deps.sh
[ -x .venv/bin/python ] || need_packages "the demo" python3-venv
# The quote check's Bokmål/Nynorsk dictionaries, installed when this user may; without them the
# demo still runs and says that its quotes' Bokmål renderings were skipped.
if [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; then
  need_packages "the demo" hunspell-no
fi
bash scripts/setup.sh all
DIR=${1:-kvali-demo}
FORCE=()
[ -f "$DIR/kvali.db" ] && FORCE=(--force)
exec .venv/bin/kvali demo "$DIR" "${FORCE[@]}" --serve
