"""Make the fine-tuning inputs for the e5 entity model from NorNE (no torch needed).

Writes ``OUT/data.npz`` (piece ids per chunk of consecutive sentences, first-piece position
and folded BIO label of every word, for train/dev/test × Bokmål/Nynorsk) and
``OUT/base.npz`` (the 4-bit base weights the GPU run needs: every layer, and only the word
embedding rows NorNE uses, renumbered). Splits and labels are those of ``convert.py``.

    python training/norne/e5/prepare.py [NORNE_DIR] [OUT_DIR] [--lower 0.15]

``--lower``: the share of training sentences lower-cased whole, as speech-to-text writes
names («kari sa at …»); dev is also written fully lower-cased (``dev_*_lower``) to measure it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from convert import fix_iob, key, read_conllu  # noqa: E402

from kvali.privacy.encoder import E5File, Tokenizer, packaged_e5_path  # noqa: E402
from kvali.util import file_sha256  # noqa: E402

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
MAX_PIECES = 254  # per chunk, without <s> and </s>


def chunks(sentences, tok):
    """Consecutive sentences packed into chunks of at most MAX_PIECES pieces."""
    cur_ids: list[int] = []
    cur_first: list[int] = []
    cur_lab: list[int] = []
    cur_sent: list[int] = []
    for sent in sentences:
        pieces = [tok.word(w) for w, _, _ in sent]
        n = sum(len(p) for p in pieces)
        if cur_ids and len(cur_ids) + n > MAX_PIECES:
            yield cur_ids, cur_first, cur_lab, cur_sent
            cur_ids, cur_first, cur_lab, cur_sent = [], [], [], []
        tags = fix_iob([t for _, t, _ in sent])
        cur_sent.append(len(cur_first))
        for p, tag in zip(pieces, tags, strict=True):
            if len(cur_ids) + len(p) > MAX_PIECES:  # one very long sentence: cut it
                yield cur_ids, cur_first, cur_lab, cur_sent
                cur_ids, cur_first, cur_lab, cur_sent = [], [], [], [0]
                if tag.startswith("I-"):
                    tag = "B-" + tag[2:]
            cur_first.append(len(cur_ids) + 1)  # +1 for <s>
            cur_lab.append(LABELS.index(tag))
            cur_ids.extend(p)
    if cur_ids:
        yield cur_ids, cur_first, cur_lab, cur_sent


def lower(sentence):
    return [(w.lower(), t, sp) for w, t, sp in sentence]


def main(norne: Path, out: Path, lower_frac: float = 0.15) -> None:
    import random

    rng = random.Random(15)
    f = E5File(packaged_e5_path())
    tok = Tokenizer(f)
    splits: dict[str, list] = {}
    for variant, ud_name in (("nob", "no_bokmaal"), ("nno", "no_nynorsk")):
        held: set = set()
        for split in ("dev", "test"):
            sents = read_conllu(norne / "ud" / variant / f"{ud_name}-ud-{split}.conllu")
            held.update(key(s) for s in sents)
            splits[f"{split}_{variant}"] = sents
        train = []
        for p in sorted((norne / "ndt" / variant).glob("*.conll")):
            train.extend(s for s in read_conllu(p) if key(s) not in held)
        splits[f"train_{variant}"] = [lower(s) if rng.random() < lower_frac else s for s in train]
        splits[f"dev_{variant}_lower"] = [lower(s) for s in splits[f"dev_{variant}"]]
    arrays: dict[str, np.ndarray] = {}
    stats = {}
    used: set[int] = {f.bos, f.eos, f.pad, f.unk}
    for name, sents in splits.items():
        ids, first, lab = [], [], []
        n_chunks = 0
        for c_ids, c_first, c_lab, _ in chunks(sents, tok):
            ids.append(np.array([f.bos, *c_ids, f.eos], dtype=np.int32))
            first.append(np.array(c_first, dtype=np.int32))
            lab.append(np.array(c_lab, dtype=np.int8))
            used.update(c_ids)
            n_chunks += 1
        arrays[f"{name}.ids"] = np.concatenate(ids)
        arrays[f"{name}.ids_off"] = np.cumsum([0] + [len(a) for a in ids]).astype(np.int64)
        arrays[f"{name}.first"] = np.concatenate(first)
        arrays[f"{name}.lab"] = np.concatenate(lab)
        arrays[f"{name}.w_off"] = np.cumsum([0] + [len(a) for a in first]).astype(np.int64)
        stats[name] = {
            "sentences": len(sents),
            "chunks": n_chunks,
            "words": int(sum(map(len, first))),
        }
    vocab = np.array(sorted(used), dtype=np.int32)
    remap = np.full(f.VOC, -1, dtype=np.int32)
    remap[vocab] = np.arange(len(vocab), dtype=np.int32)
    for k in list(arrays):
        if k.endswith(".ids"):
            arrays[k] = remap[arrays[k]]
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "data.npz", **arrays, labels=np.array(LABELS))
    base: dict[str, np.ndarray] = {"vocab": vocab}
    base["emb.word"] = f.word_rows_q4(vocab).copy()
    for name, tensor in f.tensors.items():
        if name == "emb.word":
            continue
        raw = np.frombuffer(f.buf, dtype=np.uint8, count=tensor.nbytes, offset=tensor.offset)
        base[name] = raw.copy()  # raw bytes; meta["dtypes"] says 1 = Q4_0, 0 = float32
    base["meta"] = np.array(
        json.dumps(
            {
                "H": f.H,
                "NL": f.NL,
                "NH": f.NH,
                "FF": f.FF,
                "eps": f.eps,
                "sha256": file_sha256(f.path),
                "dtypes": {k: v.dtype for k, v in f.tensors.items()},
            }
        )
    )
    np.savez(out / "base.npz", **base)
    stats["vocab"] = len(vocab)
    stats["lower_frac"] = lower_frac
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    a = sys.argv[1:]
    frac = float(a[a.index("--lower") + 1]) if "--lower" in a else 0.15
    a = [x for i, x in enumerate(a) if x != "--lower" and (i == 0 or a[i - 1] != "--lower")]
    main(
        Path(a[0]) if a else Path("/work/shared/norne"),
        Path(a[1]) if len(a) > 1 else Path("training/norne/e5/data"),
        frac,
    )
