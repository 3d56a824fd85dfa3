#!/usr/bin/env bash
# Reproducible NorNE training for kvali's Norwegian NER (CPU, niced, 1–2 threads).
# Usage (from the repo root): training/norne/train.sh [PYTHON] [OUTPUT_DIR]
set -euo pipefail
PY=${1:-.venv/bin/python}
OUT=${2:-training/norne/output}
export OMP_NUM_THREADS=${THREADS:-1} OPENBLAS_NUM_THREADS=${THREADS:-1} MKL_NUM_THREADS=${THREADS:-1}
"$PY" training/norne/convert.py "${NORNE:-../shared/norne}" training/norne/corpus
nice -n 10 "$PY" -m spacy train training/norne/config.cfg --output "$OUT" --system.seed 0
"$PY" training/norne/evaluate.py "$OUT/model-best" training/norne/corpus/test --json "$OUT/test_scores.json"
"$PY" training/norne/package.py "$OUT/model-best" "$OUT/test_scores.json"
