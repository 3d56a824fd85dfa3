#!/usr/bin/env bash
# One-off hyper-parameter sweep on a 16-core machine (optional; the CPU recipe in train.sh is
# the reproducible path). Each variant trains for a fixed wall time; model-best is chosen on dev.
set -u
SECS=${SECS:-470}
OUTDIR=${OUTDIR:-/tmp/sweep}
mkdir -p "$OUTDIR"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONUNBUFFERED=1
C=training/norne/config.cfg
B="--paths.train training/norne/corpus/train --paths.dev training/norne/corpus/dev --training.max_steps 100000 --training.patience 100000 --training.eval_frequency 300"
FIX="--training.batcher.size.start 1000 --training.batcher.size.stop 1000"
run() { name=$1; shift; timeout "$SECS" python3 -m spacy train $C --output "$OUTDIR/$name" $B "$@" > "$OUTDIR/$name.log" 2>&1 & }
run gpu_a --gpu-id 0 $FIX
run cpu_a $FIX
run cpu_a_s1 $FIX --system.seed 1
run cpu_comp
run cpu_w96 $FIX --components.tok2vec.model.encode.width 96
run cpu_w160 $FIX --components.tok2vec.model.encode.width 160 --components.tok2vec.model.embed.rows "[15000,3000,6000,1000]"
run cpu_d6 $FIX --components.tok2vec.model.encode.depth 6
run cpu_win2 $FIX --components.tok2vec.model.encode.window_size 2
run cpu_drop1 $FIX --training.dropout 0.1
run cpu_drop25 $FIX --training.dropout 0.25
run cpu_low0 $FIX --corpora.train.augmenter.level 0.0
run cpu_low3 $FIX --corpora.train.augmenter.level 0.3
run cpu_h128 $FIX --components.ner.model.hidden_width 128 --components.ner.model.maxout_pieces 3
run cpu_b2000 --training.batcher.size.start 2000 --training.batcher.size.stop 2000 --training.optimizer.learn_rate 0.002
run cpu_lr2 $FIX --training.optimizer.learn_rate 0.002
wait
