"""Convert NorNE (CoNLL-U with ``name=`` in MISC) to spaCy DocBin files.

Why a custom converter: the mirror lacks ``ud/*-train.conllu``, so the training split is
rebuilt as *all ``ndt/`` sentences that are not in ``ud/`` dev/test* (matched on the token
sequence), and the label set is folded to kvali's four labels:
GPE_LOC→LOC, GPE_ORG→ORG, PROD/EVT/DRV/MISC→MISC.

Usage: python training/norne/convert.py [NORNE_DIR] [OUT_DIR]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin
from spacy.training import biluo_tags_to_spans, iob_to_biluo

LABELS = {
    "PER": "PER",
    "ORG": "ORG",
    "GPE_ORG": "ORG",
    "LOC": "LOC",
    "GPE_LOC": "LOC",
    "PROD": "MISC",
    "EVT": "MISC",
    "DRV": "MISC",
    "MISC": "MISC",
}

Sentence = list[tuple[str, str, bool]]  # (form, iob tag, space after)


def read_conllu(path: Path) -> list[Sentence]:
    """Sentences of one file as (form, IOB tag with folded label, space-after) triples."""
    sentences: list[Sentence] = []
    current: Sentence = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if "-" in cols[0] or "." in cols[0]:
            continue  # multiword ranges / empty nodes
        misc = dict(kv.split("=", 1) for kv in cols[9].split("|") if "=" in kv)
        tag = misc.get("name", "O")
        if tag != "O":
            prefix, label = tag.split("-", 1)
            tag = f"{prefix}-{LABELS[label]}"
        current.append((cols[1], tag, misc.get("SpaceAfter") != "No"))
    if current:
        sentences.append(current)
    return sentences


def key(sentence: Sentence) -> tuple[str, ...]:
    return tuple(form for form, _, _ in sentence)


def fix_iob(tags: list[str]) -> list[str]:
    """Repair I- tags that follow O or another label (rare annotation slips)."""
    out: list[str] = []
    for i, tag in enumerate(tags):
        if tag.startswith("I-"):
            prev = out[i - 1] if i else "O"
            if prev == "O" or prev[2:] != tag[2:]:
                tag = "B-" + tag[2:]
        out.append(tag)
    return out


def to_doc(vocab, sentence: Sentence) -> Doc:
    words = [w for w, _, _ in sentence]
    spaces = [s for _, _, s in sentence]
    spaces[-1] = False
    doc = Doc(vocab, words=words, spaces=spaces)
    tags = iob_to_biluo(fix_iob([t for _, t, _ in sentence]))
    doc.ents = biluo_tags_to_spans(doc, tags)
    return doc


def write(path: Path, vocab, sentences: list[Sentence], per_doc: int = 10) -> Counter:
    """Group consecutive sentences into small docs (context for the CNN) and save."""
    db = DocBin(store_user_data=False)
    labels: Counter = Counter()
    for i in range(0, len(sentences), per_doc):
        docs = [to_doc(vocab, s) for s in sentences[i : i + per_doc]]
        doc = Doc.from_docs(docs)
        labels.update(e.label_ for e in doc.ents)
        db.add(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(path)
    return labels


def main(norne: Path, out: Path) -> None:
    nlp = spacy.blank("nb")
    stats: dict[str, dict] = {}
    for variant, ud_name in (("nob", "no_bokmaal"), ("nno", "no_nynorsk")):
        held_out: set[tuple[str, ...]] = set()
        for split in ("dev", "test"):
            sents = read_conllu(norne / "ud" / variant / f"{ud_name}-ud-{split}.conllu")
            held_out.update(key(s) for s in sents)
            labels = write(out / split / f"{variant}.spacy", nlp.vocab, sents)
            stats[f"{variant}-{split}"] = {"sentences": len(sents), **labels}
        train: list[Sentence] = []
        for f in sorted((norne / "ndt" / variant).glob("*.conll")):
            train.extend(s for s in read_conllu(f) if key(s) not in held_out)
        labels = write(out / "train" / f"{variant}.spacy", nlp.vocab, train)
        stats[f"{variant}-train"] = {"sentences": len(train), **labels}
    (out / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
    print(json.dumps(stats, indent=2))


if __name__ == "__main__":
    args = sys.argv[1:]
    main(
        Path(args[0]) if args else Path("/work/shared/norne"),
        Path(args[1]) if len(args) > 1 else Path("training/norne/corpus"),
    )
