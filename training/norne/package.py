"""Package a trained CNN pipeline (the 0.1.0 baseline; kvali now ships training/norne/e5/).

Writes to training/norne/output/nb_norne_cnn, no longer into the kvali package.

Usage: python training/norne/package.py MODEL_DIR [SCORES_JSON]
Sets the pipeline's name, version, sources and licence in meta.json, drops the training paths
from config.cfg and refuses a pipeline over the 25 MB budget.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

DEST = Path(__file__).resolve().parent / "output" / "nb_norne_cnn"
LIMIT_MB = 25


def main(model: Path, scores: Path | None = None) -> None:
    size = sum(p.stat().st_size for p in model.rglob("*") if p.is_file()) / 1e6
    if size > LIMIT_MB:
        raise SystemExit(f"{model} is {size:.1f} MB, over the {LIMIT_MB} MB budget")
    if DEST.exists():
        shutil.rmtree(DEST)
    shutil.copytree(model, DEST)
    meta = json.loads((DEST / "meta.json").read_text(encoding="utf-8"))
    meta.update(
        name="nb_norne_kvali",
        version="0.1.0",
        description="kvali's Norwegian (Bokmål + Nynorsk) NER: PER, ORG, LOC, MISC; "
        "trained on NorNE with training/norne/ (CPU, no pretrained vectors)",
        author="kvali",
        license="CC0-1.0 annotations (NorNE); model weights MIT like kvali",
        sources=[
            {
                "name": "NorNE",
                "url": "https://github.com/ltgoslo/norne",
                "license": "CC0 (annotations); see LICENSE_NDT.txt",
            }
        ],
    )
    if scores is not None:
        meta["kvali_test_scores"] = json.loads(scores.read_text(encoding="utf-8"))
    (DEST / "meta.json").write_text(
        json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    cfg = (DEST / "config.cfg").read_text(encoding="utf-8")
    cfg = cfg.replace('train = "training/norne/corpus/train"', "train = null")
    cfg = cfg.replace('dev = "training/norne/corpus/dev"', "dev = null")
    cfg = re.sub(r'(?m)^source = ".*"$', "source = null", cfg)  # continued-training leftovers
    (DEST / "config.cfg").write_text(cfg, encoding="utf-8")
    print(f"packaged {model} ({size:.1f} MB) into {DEST}")


if __name__ == "__main__":
    a = sys.argv[1:]
    main(Path(a[0]), Path(a[1]) if len(a) > 1 else None)
