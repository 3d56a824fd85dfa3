"""A study's learned suggester: its examples, background and measured agreement, cached.

Examples are the live codings of the current cycle (the text each one covers, mapped to its
label at the chosen level: a theme's examples are the codings of every code under it) and the
rejected suggestions of that level (negatives). Their vectors come from the semantic index
when a coded span is an indexed segment (same text hash), otherwise they are embedded once and
kept in ``index/<model>/learned/texts.npz`` by text hash (pruned to what is still coded on
every save, and deleted with the index vectors when a participant withdraws or names are
replaced). The background is the study's indexed participant segments.

Refitting the model is cheap (sums and matrix products); the cross-validation is the costly
part, so its result is cached per study and level under a fingerprint of everything it depends
on (model, codebook texts, examples, negatives, background): a new coding, accept or reject
changes the fingerprint and the next call measures again (cost in docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from kvali.codings.cycles import current_cycle_id
from kvali.codings.visible import open_rounds
from kvali.db import schema as t
from kvali.errors import InputError
from kvali.semantic import learned as L
from kvali.semantic.codebook import CodeDef, label_map, study_codebook
from kvali.semantic.models import Embedder, ModelInfo, load_embedder
from kvali.semantic.service import index_for, open_store
from kvali.semantic.suggest import Suggester
from kvali.semantic.tables import code_suggestions as cs
from kvali.semantic.tables import semantic_segments as ss

LEARNED_DIR = "learned"
# Why a suggester is what it is (English here; the CLI and the workbench translate by code).
REASONS = {
    "few_codings": "{n} codings at the {level} level; learning needs {need}",
    "few_segments": "too few indexed segments",
    "asked": "zero-shot asked for",
    "few_labels": "codings of fewer than two labels",
    "zero_better": "zero-shot agreed clearly better with your codings on held-out folds (p = {p})",
    "learned": "learned from {n} codings",
    "learned_kept": "learned kept: zero-shot did better on these folds, but within chance "
    "(p = {p}, sign test)",
}
CACHE_VERSION = 3


def learned_dir(project_path: Path, info: ModelInfo) -> Path:
    return Path(project_path) / "index" / info.folder / LEARNED_DIR


def forget_learned(project_path: Path) -> int:
    """Delete every cached example vector and evaluation (files removed)."""
    removed = 0
    for d in (Path(project_path) / "index").glob(f"*/{LEARNED_DIR}"):
        for f in d.iterdir():
            if f.is_file():
                f.unlink()
                removed += 1
    return removed


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TextVectors:
    """Vectors of texts by sha256 (``p:`` passages, ``q:`` queries), in one small file."""

    def __init__(self, folder: Path, embedder: Embedder) -> None:
        self.file = folder / "texts.npz"
        self.embedder = embedder
        self.known: dict[str, np.ndarray] = {}
        self.used: set[str] = set()
        self.dirty = False
        if self.file.exists():
            try:
                with np.load(self.file, allow_pickle=False) as data:
                    self.known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                self.known = {}

    def get(self, texts: list[str], kind: str, given: dict[str, np.ndarray] | None = None) -> Any:
        keys = [f"{kind}:{_sha(x)}" for x in texts]
        given = given or {}
        missing = [
            (k, x) for k, x in dict(zip(keys, texts, strict=True)).items()
            if k not in self.known and k[2:] not in given
        ]  # fmt: skip
        if missing:
            embed = self.embedder.passages if kind == "p" else self.embedder.queries
            for a in range(0, len(missing), 64):
                chunk = missing[a : a + 64]
                for (k, _), v in zip(chunk, embed([x for _, x in chunk]), strict=True):
                    self.known[k] = np.asarray(v, np.float32)
            self.dirty = True
        self.used.update(k for k in keys if k[2:] not in given)
        out = [given[k[2:]] if k[2:] in given else self.known[k] for k in keys]
        return np.stack(out).astype(np.float32) if out else np.zeros((0, self.embedder.info.dim))

    def save(self) -> None:
        """Keep the passages this call used (text no longer coded is forgotten) and every
        query (code descriptions: no transcript text)."""
        keep = sorted(self.used | {k for k in self.known if k.startswith("q:")})
        if not self.dirty and keep == sorted(self.known):
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(".tmp.npz")
        vectors = np.stack([self.known[k] for k in keep]) if keep else np.zeros((0, 1), np.float32)
        np.savez(tmp, keys=np.array(keep, dtype=str), vectors=vectors)
        os.replace(tmp, self.file)


class _CachedQueries:
    """The embedder with its query vectors (code descriptions) taken from the text cache."""

    def __init__(self, inner: Embedder, cache: TextVectors) -> None:
        self.inner, self.cache, self.info = inner, cache, inner.info

    def passages(self, texts: list[str]) -> Any:
        return self.inner.passages(texts)

    def queries(self, texts: list[str]) -> Any:
        return self.cache.get(list(texts), "q")


@dataclass
class StudyEvidence:
    evidence: L.Evidence
    hashes: list[str]
    negatives: list[str]


def _segment_vectors(
    conn: sa.Connection, index_id: int, store: Any, hashes: set[str]
) -> dict[str, np.ndarray]:
    """Index vectors of segments whose text hash is one of ``hashes`` (reused, not embedded)."""
    if not hashes:
        return {}
    rows: dict[str, int] = {}
    hl = sorted(hashes)
    for a in range(0, len(hl), 500):
        for h, row in conn.execute(
            sa.select(ss.c.text_hash, ss.c.row).where(
                ss.c.index_id == index_id, ss.c.text_hash.in_(hl[a : a + 500])
            )
        ):
            rows.setdefault(h, row)
    if not rows:
        return {}
    keys = list(rows)
    return dict(zip(keys, store.get([rows[k] for k in keys]), strict=True))


def study_evidence(
    conn: sa.Connection,
    study_id: int,
    *,
    codes: list[CodeDef],
    labels: list[int],
    level: str,
    index_id: int,
    store: Any,
    vectors: TextVectors,
) -> StudyEvidence:
    """The study's codings of the current cycle as examples of their labels at ``level``
    (none from a blind round that has not opened)."""
    lmap = label_map(codes, level)
    pos = {lab: i for i, lab in enumerate(labels)}
    by_id = {c.id: i for i, c in enumerate(codes)}
    target = {cid: pos[lmap[i]] for cid, i in by_id.items() if i in lmap and lmap[i] in pos}
    cycle = current_cycle_id(conn, study_id, create=False) or -1
    c, tr, tu = t.codings, t.transcripts, t.turns
    rows = conn.execute(
        sa.select(c.c.transcript_id, c.c.code_id, c.c.start_char, c.c.end_char, tr.c.interview_id)
        .join(tr, tr.c.id == c.c.transcript_id)
        .where(c.c.cycle_id == cycle, c.c.removed_at.is_(None))
        # A blind round still open teaches nothing: its suggestions would show one coder the
        # other's codes before both are done (the blind rule, kvali.codings.visible).
        .where(c.c.transcript_id.not_in(open_rounds(study_id)))
        .order_by(c.c.transcript_id, c.c.start_char, c.c.id)
    ).all()
    rows = [r for r in rows if r.code_id in target]
    texts, labs, groups, units = [], [], [], []
    turns_of: dict[int, list[Any]] = {}
    for r in rows:
        if r.transcript_id not in turns_of:
            turns_of[r.transcript_id] = conn.execute(
                sa.select(tu.c.id, tu.c.start_char, tu.c.end_char, tu.c.text)
                .where(tu.c.transcript_id == r.transcript_id)
                .order_by(tu.c.position)
            ).all()
        text, unit = _span_text(turns_of[r.transcript_id], r.start_char, r.end_char)
        if len(text.split()) < 2:
            continue
        texts.append(text)
        labs.append(target[r.code_id])
        groups.append(r.interview_id)
        units.append(unit)
    hashes = [_sha(x) for x in texts]
    from_index = _segment_vectors(conn, index_id, store, set(hashes))
    ev_vectors = vectors.get(texts, "p", from_index)
    # Rejected suggestions of labels at this level: the segment is the negative example.
    neg_rows = conn.execute(
        sa.select(cs.c.code_id, ss.c.row, ss.c.text_hash)
        .join(
            ss,
            sa.and_(
                ss.c.index_id == index_id,
                ss.c.transcript_id == cs.c.transcript_id,
                ss.c.start_char == cs.c.start_char,
                ss.c.end_char == cs.c.end_char,
            ),
        )
        .where(cs.c.study_id == study_id, cs.c.status == "rejected")
        .order_by(cs.c.id)
    ).all()
    neg_rows = [r for r in neg_rows if r.code_id in by_id and by_id[r.code_id] in pos]
    negatives = store.get([r.row for r in neg_rows]) if neg_rows else None
    evidence = L.Evidence(
        ev_vectors,
        np.asarray(labs, np.int64),
        np.asarray(groups, np.int64),
        np.asarray(units, np.int64),
        negatives if negatives is not None else np.zeros((0, ev_vectors.shape[1]), np.float32),
        np.asarray([pos[by_id[r.code_id]] for r in neg_rows], np.int64),
    )
    return StudyEvidence(
        evidence,
        [f"{lab}:{h}" for lab, h in zip(labs, hashes, strict=True)],
        [f"{pos[by_id[r.code_id]]}:{r.text_hash}" for r in neg_rows],
    )


def _span_text(turns: list[Any], start: int, end: int) -> tuple[str, int]:
    """The text of ``[start, end)`` and the id of the turn it starts in."""
    parts, unit = [], -1
    for tr in turns:
        if tr.end_char <= start and not (tr.start_char == start == tr.end_char):
            continue
        if tr.start_char >= end:
            break
        if unit < 0:
            unit = tr.id
        a, b = max(start, tr.start_char) - tr.start_char, min(end, tr.end_char) - tr.start_char
        parts.append(tr.text[a:b])
    return "\n".join(parts).strip(), unit


def background(conn: sa.Connection, study_id: int, index_id: int, store: Any) -> np.ndarray:
    """The study's indexed participant segments (a deterministic sample), unlabelled: what a
    score is unusual *against*."""
    tr, iv, tu = t.transcripts, t.interviews, t.turns
    q = (
        sa.select(ss.c.row)
        .join(tu, tu.c.id == ss.c.turn_id)
        .join(tr, tr.c.id == ss.c.transcript_id)
        .join(iv, iv.c.id == tr.c.interview_id)
        .where(ss.c.index_id == index_id, iv.c.study_id == study_id)
        .order_by(ss.c.row)
    )
    rows = conn.execute(q.where(tu.c.role == "participant")).scalars().all()
    if len(rows) < 2:  # speakers without roles: every segment
        rows = conn.execute(q).scalars().all()
    rows = [rows[i] for i in L.sample_rows(len(rows))]
    return store.get(rows)


@dataclass
class StudyModel:
    """Suggestions for one study at one level: learned when the codings carry it, otherwise
    zero-shot from the study's codebook; always with the measured agreement (``evaluation``)."""

    level: str
    mode: str
    zero_shot: Suggester
    evaluation: dict[str, Any] | None
    reason_code: str
    model: L.Model | None = None
    threshold: float = 0.0
    top: int = 3
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    reason_values: dict[str, Any] = field(default_factory=dict)

    def because(self, code: str, **values: Any) -> None:
        self.reason_code, self.reason_values = code, values

    @property
    def reason(self) -> str:
        return REASONS[self.reason_code].format(**self.reason_values) if self.reason_code else ""

    @property
    def codes(self) -> list[CodeDef]:
        return self.zero_shot.codes

    @property
    def learned(self) -> bool:
        return self.mode == "learned"

    def scores(self, vectors: Any) -> Any:
        """Probabilities (learned) or cosines (zero-shot), segments × labels."""
        if self.model is None:
            return self.zero_shot.scores(vectors)
        assert self.evaluation is not None
        raw = self.model.scores(np.asarray(vectors, np.float32))
        return L.probabilities(raw, self.evaluation["tau"])

    def rank(self, row: Any) -> list[tuple[CodeDef, float]]:
        if self.model is None:
            return self.zero_shot.rank(row)
        order = np.argsort(-row, kind="stable")
        best = float(row[order[0]])
        if best < self.threshold:
            return []
        return [
            (self.codes[j], float(row[j])) for j in order[: self.top] if float(row[j]) >= best / 2
        ]

    def suggest_texts(self, texts: list[str]) -> list[list[tuple[CodeDef, float]]]:
        if not texts:
            return []
        vectors = self.zero_shot.embedder.passages(texts)
        return [self.rank(row) for row in self.scores(vectors)]

    def basis(self, code: CodeDef) -> str:
        """'examples' when the researcher's codings of the label informed it, else 'description'."""
        if self.model is None:
            return "description"
        j = self.codes.index(code)
        return "examples" if self.counts[j] >= L.MIN_EXAMPLES else "description"

    def suggestion(self, code: CodeDef, score: float) -> dict[str, Any]:
        out: dict[str, Any] = {"code": code.name, "score": round(score, 4)}
        if self.model is not None:
            out["basis"] = self.basis(code)
        return out

    def summary(self) -> dict[str, Any]:
        """What the CLI prints and the workbench shows next to the suggestions (JSON)."""
        return {
            "level": self.level,
            "mode": self.mode,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "reason_values": self.reason_values,
            "threshold": self.threshold if self.learned else self.zero_shot.threshold,
            "threshold_kind": "probability" if self.learned else "lead",
            "labels": len(self.codes),
            "evaluation": self.evaluation,
        }


def _fingerprint(parts: list[Any]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def study_model(
    conn: sa.Connection,
    study_id: int,
    *,
    project_path: Path,
    level: str = "code",
    model: str | None = None,
    embedder: Embedder | None = None,
    threshold: float | None = None,
    top: int = 3,
    learn: bool | None = None,
) -> StudyModel:
    """The suggester for the study at ``level`` (``learn``: None = learned when it measures at
    least as well as zero-shot with enough codings; False = zero-shot; True = learned if at all
    possible). The semantic index must exist (``update_index`` first)."""
    emb = embedder or load_embedder(model)
    index_id = index_for(conn, emb.info, create=False)
    if index_id is None:
        raise InputError("no semantic index yet: run 'kvali semantic index'")
    codes = study_codebook(conn, study_id)
    if not codes:
        raise InputError("the study has no codes to suggest")
    folder = learned_dir(project_path, emb.info)
    vectors = TextVectors(folder, emb)
    try:
        zero = Suggester(_CachedQueries(emb, vectors), codes, level=level, top=top)
    except ValueError as exc:
        raise InputError(
            "the study's codebook has no codes at the {level} level", level=level
        ) from exc
    if threshold is not None:
        zero.threshold = threshold
    store = open_store(project_path, emb.info)
    study = study_evidence(
        conn,
        study_id,
        codes=codes,
        labels=zero.label_index,
        level=level,
        index_id=index_id,
        store=store,
        vectors=vectors,
    )
    bg = background(conn, study_id, index_id, store)
    vectors.save()
    ev = study.evidence
    names = [c.name for c in zero.codes]
    out = StudyModel(level, "zero-shot", zero, None, "", top=top)
    if len(ev) < L.MIN_CODINGS or len(bg) < 2:
        out.because("few_codings", n=len(ev), level=level, need=L.MIN_CODINGS)
        if len(bg) < 2:
            out.because("few_segments")
        return out
    space = L.Space(zero.scores, bg, len(zero.codes))
    key = _fingerprint(
        [CACHE_VERSION, emb.info.sha256, level, [c.path_text() for c in codes], study.hashes,
         study.negatives, len(bg), float(bg.sum())]
    )  # fmt: skip
    cache = folder / f"eval-{study_id}-{level}.json"
    evaluation = None
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            evaluation = cached["evaluation"]
    except (OSError, ValueError):
        pass
    if evaluation is None:
        evaluation = L.cross_validate(space, ev, names=names)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps({"key": key, "evaluation": evaluation}), encoding="utf-8")
        os.replace(tmp, cache)
    out.evaluation = evaluation
    if learn is False:
        out.because("asked")
        return out
    if learn is None and not L.use_learned(evaluation):
        if len(evaluation.get("examples", {})) >= 2:
            out.because("zero_better", p=evaluation.get("p_zero_shot_better"))
        else:
            out.because("few_labels")
        return out
    out.mode, out.model = "learned", L.Model(space, ev)
    out.counts = out.model.counts
    out.threshold = evaluation["threshold"] if threshold is None else threshold
    out.because("learned", n=len(ev))
    if (evaluation["zero_shot"]["accuracy"] or 0) > (evaluation["learned"]["accuracy"] or 0):
        out.because("learned_kept", p=evaluation["p_zero_shot_better"])
    return out
