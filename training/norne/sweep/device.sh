#!/usr/bin/env bash
# Device wrapper: install carried wheels, sweep, return the dev-best model in <16 MB pieces.
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site
python3 -c "import spacy, thinc; print(spacy.__version__, thinc.__version__)"
SECS=${SECS:-470} OUTDIR=/tmp/sweep training/norne/sweep/run_sweep.sh
python3 - <<'PY' > "$OUT/sweep.txt"
import json, glob, os
rows = []
for d in sorted(glob.glob('/tmp/sweep/*/model-best/meta.json')):
    m = json.load(open(d)); name = d.split('/')[3]
    rows.append((m['performance'].get('ents_f', 0), name))
for f, n in sorted(rows, reverse=True): print(f"{f:.4f} {n}")
PY
cat "$OUT/sweep.txt"
for f in /tmp/sweep/*.log; do echo "== $f"; tail -4 "$f"; done > "$OUT/logs.txt"
BEST=$(head -1 "$OUT/sweep.txt" | cut -d' ' -f2)
tar -C /tmp/sweep -czf /tmp/best.tgz "$BEST/model-best" && split -b 15m /tmp/best.tgz "$OUT/best.tgz."
ls -la "$OUT"
