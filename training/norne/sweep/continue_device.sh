#!/usr/bin/env bash
# Device wrapper: continue training a pipeline (SRC) in parallel variants for SECS seconds and
# return the dev-best one in <16 MB pieces. Optional; train.sh alone reproduces the model.
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONUNBUFFERED=1
SRC=${SRC:?} SECS=${SECS:-240}
C=training/norne/config_continue.cfg
B="--paths.source $SRC --paths.train training/norne/corpus/train --paths.dev training/norne/corpus/dev --training.max_steps 100000 --training.patience 100000 --training.eval_frequency 200 --training.batcher.size.start 1000 --training.batcher.size.stop 1000"
mkdir -p /tmp/c
run() { n=$1; shift; timeout "$SECS" python3 -m spacy train $C --output /tmp/c/$n $B "$@" > /tmp/c/$n.log 2>&1 & }
for s in 1 2 3 4; do
  run s${s}_lr1 --system.seed $s --training.dropout 0.1
  run s${s}_lr05 --system.seed $s --training.dropout 0.1 --training.optimizer.learn_rate 0.0005
  run s${s}_d15 --system.seed $s --training.dropout 0.15 --training.optimizer.learn_rate 0.0005
done
run s5_lr03 --system.seed 5 --training.optimizer.learn_rate 0.0003
run s6_lr03 --system.seed 6 --training.optimizer.learn_rate 0.0003 --training.dropout 0.1
wait
python3 - <<'PY' > "$OUT/sweep.txt"
import json, glob
rows = []
for d in sorted(glob.glob('/tmp/c/*/model-best/meta.json')):
    m = json.load(open(d)); rows.append((m['performance'].get('ents_f', 0), d.split('/')[3]))
for f, n in sorted(rows, reverse=True): print(f"{f:.4f} {n}")
PY
cat "$OUT/sweep.txt"
for f in /tmp/c/*.log; do echo "== $f"; grep -E "^ +[0-9]+ +[0-9]+" "$f" | tail -3; done > "$OUT/logs.txt"
BEST=$(head -1 "$OUT/sweep.txt" | cut -d' ' -f2)
tar -C /tmp/c -czf /tmp/best.tgz "$BEST/model-best" && split -b 15m /tmp/best.tgz "$OUT/best.tgz."
