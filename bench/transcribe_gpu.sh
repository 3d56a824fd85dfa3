#!/usr/bin/env bash
# Transcription benchmark on a CUDA machine: kvali's pipeline vs faster-whisper directly.
#   bash bench/transcribe_gpu.sh MODEL_DIR [AUDIO REFERENCE_TXT]
# MODEL_DIR is a CTranslate2 Whisper folder (model.bin, config.json, tokenizer.json,
# vocabulary.*), e.g. NB-Whisper or large-v3 converted for faster-whisper. Without AUDIO the
# synthesized English dialogue is used (then MODEL_DIR should understand English).
# Needs: the venv with kvali[stt] (ctranslate2's CUDA 12 wheels; cuBLAS/cuDNN 9 libraries),
# espeak-ng for the synthesized audio. Nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:?usage: bench/transcribe_gpu.sh MODEL_DIR [AUDIO REFERENCE_TXT]}
PY=${PYTHON:-.venv/bin/python}
export HF_HUB_OFFLINE=1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
ARGS=(--model "$MODEL" --device cuda --repeat "${REPEAT:-3}")
if [ $# -ge 2 ]; then
  ARGS+=(--audio "$2" --language "${LANGUAGE:-no}")
  [ $# -ge 3 ] && ARGS+=(--reference "$3")
fi
[ -n "${APPEND:-}" ] && ARGS+=(--append "$APPEND")
"$PY" bench/transcribe.py "${ARGS[@]}"
