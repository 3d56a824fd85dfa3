"""Study lists, detection into suggestions, and review (accept / reject / add / categories).

Suggestions hold the detected text only until ``apply`` moves it into the encrypted key file.
Entity-level decisions stick: a name rejected (or accepted) everywhere is suggested with that
status when detection runs again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.db.rows import get_or_404
from kvali.errors import InputError, NotFoundError
from kvali.events.service import delete_logged, insert_logged, log_event
from kvali.privacy.detect import (
    LANGS,
    Detection,
    Term,
    detect_docs,
    name_forms,
    norm,
    propagate,
    split_lines,
)
from kvali.privacy.replace import default_category
from kvali.privacy.tables import privacy_entities as E
from kvali.privacy.tables import privacy_suggestions as S
from kvali.privacy.tables import privacy_terms as T
from kvali.transcripts.service import get_text, transcript_id_for
from kvali.util import now

LABELS = ("PER", "LOC", "ORG", "MISC")
STATUSES = ("pending", "accepted", "rejected")


def _study_lang(conn: sa.Connection, study_id: int) -> str:
    lang = conn.execute(sa.select(t.studies.c.language).where(t.studies.c.id == study_id)).scalar()
    return lang if lang in LANGS else ("en" if lang and lang.startswith("en") else "nb")


def add_term(
    conn: sa.Connection, study_id: int, *, term: str, label: str, category: str | None = None
) -> int:
    """A name the researcher knows must go (participant, school, municipality, network)."""
    term = " ".join(term.split())
    if not term:
        raise InputError("the term is empty")
    if label not in LABELS:
        raise InputError("label must be one of {labels}", labels=", ".join(LABELS))
    return insert_logged(
        conn,
        T,
        {"study_id": study_id, "term": term, "label": label, "category": category},
        study_id=study_id,
        entity="privacy_term",
        action="add",
    )


def list_terms(conn: sa.Connection, study_id: int) -> list[dict[str, Any]]:
    q = sa.select(T.c.id, T.c.term, T.c.label, T.c.category).where(T.c.study_id == study_id)
    return [dict(r) for r in conn.execute(q.order_by(T.c.id)).mappings()]


def remove_term(conn: sa.Connection, study_id: int, term_id: int) -> None:
    removed = delete_logged(
        conn,
        T,
        term_id,
        study_id=study_id,
        entity="privacy_term",
        action="remove",
        where=[T.c.study_id == study_id],
    )
    if not removed:
        raise NotFoundError("no study-list term {term_id}", term_id=term_id)


def _terms(conn: sa.Connection, study_id: int, extra: Iterable[Term] = ()) -> list[Term]:
    return [Term(r["term"], r["label"], r["category"]) for r in list_terms(conn, study_id)] + list(
        extra
    )


def _entity(
    conn: sa.Connection, study_id: int, d: Detection, lang: str, cache: dict[str, dict]
) -> dict[str, Any]:
    """The study-wide entity for a detection's key, created on first sight."""
    key = d.key or norm(d.text)
    if key in cache:
        return cache[key]

    def find(k: str) -> Any:
        q = sa.select(E.c.id, E.c.status).where(E.c.study_id == study_id, E.c.norm == k)
        return conn.execute(q).first()

    row = find(key)
    if row is None and key.endswith("s") and len(key) > 3:
        row = find(key[:-1])  # genitive «Romsdal-nettverkets» is the same entity
    if row is None:
        category = d.category or default_category(d.label, d.kind, d.text, lang)
        eid = conn.execute(
            E.insert().values(
                study_id=study_id,
                label=d.label,
                kind=d.kind,
                category=category,
                # A piece of a name split across turns stands for the whole name.
                text=" ".join(d.text.split()) if norm(d.text) == key else key.title(),
                norm=key,
                status="pending",
                created_at=now(),
            )
        ).inserted_primary_key[0]
        cache[key] = {"id": eid, "status": "pending"}
    else:
        cache[key] = {"id": row.id, "status": row.status}
    return cache[key]


def store_detections(
    conn: sa.Connection,
    study_id: int,
    transcript_id: int,
    detections: Sequence[Detection],
    *,
    lang: str,
) -> int:
    """Replace the transcript's pending machine suggestions with these (decisions are kept)."""
    conn.execute(
        S.delete().where(
            S.c.transcript_id == transcript_id, S.c.status == "pending", S.c.source != "manual"
        )
    )
    kept = [
        (s, e)
        for s, e in conn.execute(
            sa.select(S.c.start_char, S.c.end_char).where(S.c.transcript_id == transcript_id)
        )
    ]
    cache: dict[str, dict] = {}
    rows = []
    for d in detections:
        if any(not (d.end <= s or d.start >= e) for s, e in kept):
            continue
        ent = _entity(conn, study_id, d, lang, cache)
        rows.append(
            {
                "transcript_id": transcript_id,
                "entity_id": ent["id"],
                "start_char": d.start,
                "end_char": d.end,
                "label": d.label,
                "score": d.score,
                "source": d.source,
                "status": ent["status"],
                "text": d.text,
                "created_at": now(),
            }
        )
    if rows:
        conn.execute(S.insert(), rows)
    return len(rows)


def _transcripts(
    conn: sa.Connection, study_id: int, interviews: Sequence[str] | None
) -> list[tuple[int, str, str | None]]:
    if interviews:
        ids = [transcript_id_for(conn, study_id, i) for i in interviews]
        cond = t.transcripts.c.id.in_(ids)
    else:
        cond = t.interviews.c.study_id == study_id
    q = (
        sa.select(t.transcripts.c.id, t.interviews.c.label, t.transcripts.c.language)
        .join(t.interviews, t.interviews.c.id == t.transcripts.c.interview_id)
        .where(cond)
        .order_by(t.interviews.c.id)
    )
    return [tuple(r) for r in conn.execute(q)]


def detect_study(
    conn: sa.Connection,
    study_id: int,
    *,
    lang: str | None = None,
    interviews: Sequence[str] | None = None,
    extra_terms: Iterable[Term] = (),
) -> list[dict[str, Any]]:
    """Run detection over the study's transcripts and store the suggestions for review."""
    terms = _terms(conn, study_id, extra_terms)
    found = []
    for tid, label, tlang in _transcripts(conn, study_id, interviews):
        use = lang or (tlang if tlang in LANGS else None) or _study_lang(conn, study_id)
        text = get_text(conn, tid)
        found.append((tid, label, use, text, detect_docs([text], lang=use, terms=terms)[0]))
    # A name caught in one interview is masked in all of them.
    forms = set().union(*(name_forms(dets) for *_, dets in found)) if found else set()
    out = []
    for tid, label, use, text, dets in found:
        dets = split_lines(propagate(text, dets, forms), text)
        n = store_detections(conn, study_id, tid, dets, lang=use)
        out.append({"interview": label, "transcript_id": tid, "language": use, "suggestions": n})
        log_event(
            conn,
            study_id=study_id,
            action="detect",
            entity="transcript",
            entity_id=tid,
            payload={"suggestions": n, "language": use},
        )
    return out


def list_suggestions(
    conn: sa.Connection,
    study_id: int,
    *,
    status: str | None = None,
    interview: str | None = None,
    context: int = 30,
) -> list[dict[str, Any]]:
    """Suggestions with their entity, score and a snippet of context, in text order."""
    q = (
        sa.select(
            S.c.id,
            S.c.entity_id,
            t.interviews.c.label.label("interview"),
            S.c.transcript_id,
            S.c.start_char,
            S.c.end_char,
            S.c.label,
            S.c.score,
            S.c.source,
            S.c.status,
            S.c.text,
            E.c.category,
        )
        .join(E, E.c.id == S.c.entity_id)
        .join(t.transcripts, t.transcripts.c.id == S.c.transcript_id)
        .join(t.interviews, t.interviews.c.id == t.transcripts.c.interview_id)
        .where(E.c.study_id == study_id)
        .order_by(S.c.transcript_id, S.c.start_char)
    )
    if status:
        q = q.where(S.c.status == status)
    if interview:
        q = q.where(S.c.transcript_id == transcript_id_for(conn, study_id, interview))
    rows = [dict(r) for r in conn.execute(q).mappings()]
    texts: dict[int, str] = {}
    for r in rows:
        text = texts.setdefault(r["transcript_id"], get_text(conn, r["transcript_id"]))
        a, b = r["start_char"], r["end_char"]
        before = text[max(0, a - context) : a].replace("\n", " ")
        after = text[b : b + context].replace("\n", " ")
        r["context"] = f"…{before}[{text[a:b]}]{after}…"
    return rows


def list_entities(conn: sa.Connection, study_id: int) -> list[dict[str, Any]]:
    n = sa.select(sa.func.count()).where(S.c.entity_id == E.c.id).scalar_subquery()
    q = sa.select(
        E.c.id,
        E.c.label,
        E.c.kind,
        E.c.category,
        E.c.text,
        E.c.replacement,
        E.c.status,
        E.c.applied,
        n.label("occurrences"),
    ).where(E.c.study_id == study_id)
    return [dict(r) for r in conn.execute(q.order_by(E.c.id)).mappings()]


def set_status(
    conn: sa.Connection,
    study_id: int,
    status: str,
    *,
    suggestion_ids: Sequence[int] = (),
    entity_ids: Sequence[int] = (),
    all_pending: bool = False,
    min_score: float | None = None,
) -> int:
    """Accept or reject suggestions one by one, per entity everywhere in the study, or in bulk."""
    if status not in STATUSES:
        raise InputError("status must be one of {statuses}", statuses=", ".join(STATUSES))
    study_entities = sa.select(E.c.id).where(E.c.study_id == study_id)
    conds = []
    if suggestion_ids:
        conds.append(S.c.id.in_(suggestion_ids))
    if entity_ids:
        found = set(conn.execute(study_entities.where(E.c.id.in_(entity_ids))).scalars())
        missing = set(entity_ids) - found
        if missing:
            raise NotFoundError("no entity {missing}", missing=", ".join(map(str, sorted(missing))))
        conn.execute(E.update().where(E.c.id.in_(entity_ids)).values(status=status))
        conds.append(S.c.entity_id.in_(entity_ids))
    if all_pending:
        cond = S.c.status == "pending"
        if min_score is not None:
            cond = sa.and_(cond, S.c.score >= min_score)
        conds.append(cond)
    if not conds:
        raise InputError("name suggestions, entities, or --all")
    n = conn.execute(
        S.update().where(S.c.entity_id.in_(study_entities), sa.or_(*conds)).values(status=status)
    ).rowcount
    log_event(
        conn,
        study_id=study_id,
        action=status,
        entity="privacy_suggestion",
        payload={"suggestions": n, "entities": list(entity_ids)},
    )
    return n


def set_category(
    conn: sa.Connection,
    study_id: int,
    category: str,
    *,
    entity_ids: Sequence[int] = (),
    label: str | None = None,
) -> int:
    """Edit the thesis-style label («navn på ansatt») of some entities or of a whole label."""
    if not category.strip():
        raise InputError("the category is empty")
    cond = E.c.study_id == study_id
    if entity_ids:
        cond = sa.and_(cond, E.c.id.in_(entity_ids))
    elif label:
        cond = sa.and_(cond, E.c.label == label)
    else:
        raise InputError("name entities or a label")
    n = conn.execute(E.update().where(cond).values(category=category.strip())).rowcount
    log_event(
        conn, study_id=study_id, action="categorize", entity="privacy_entity", payload={"n": n}
    )
    return n


def add_span(
    conn: sa.Connection,
    study_id: int,
    *,
    label: str,
    interview: str | None = None,
    start: int | None = None,
    end: int | None = None,
    text: str | None = None,
    category: str | None = None,
) -> int:
    """A span the detector missed: by offsets in one interview, or every occurrence of ``text``
    (whole words, any case) in one interview or in the whole study. Added spans are accepted."""
    if label not in LABELS:
        raise InputError("label must be one of {labels}", labels=", ".join(LABELS))
    lang = _study_lang(conn, study_id)
    targets = _transcripts(conn, study_id, [interview] if interview else None)
    found: dict[int, list[Detection]] = {}
    if start is not None and end is not None:
        if not interview:
            raise InputError("offsets need --interview")
        tid = targets[0][0]
        body = get_text(conn, tid)
        if not 0 <= start < end <= len(body):
            raise InputError(
                "span {start}–{end} is outside the text (length {n_body})",
                start=start,
                end=end,
                n_body=len(body),
            )
        key = norm(body[start:end])
        found[tid] = [Detection(start, end, label, body[start:end], 1.0, "manual", key=key)]
    elif text:
        pat = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, text.split())) + r"(?!\w)", re.I)
        for tid, _, _ in targets:
            body = get_text(conn, tid)
            found[tid] = [
                Detection(m.start(), m.end(), label, m.group(0), 1.0, "manual", key=norm(text))
                for m in pat.finditer(body)
            ]
    else:
        raise InputError("give --start and --end, or --text")
    n = 0
    cache: dict[str, dict] = {}
    for tid, dets in found.items():
        for d in dets:
            d = Detection(
                d.start, d.end, d.label, d.text, 1.0, "manual", key=d.key, category=category
            )
            conn.execute(
                S.delete().where(
                    S.c.transcript_id == tid, S.c.start_char < d.end, S.c.end_char > d.start
                )
            )
            ent = _entity(conn, study_id, d, lang, cache)
            values: dict[str, Any] = {"status": "accepted", "label": label}
            if category:
                values["category"] = category
            conn.execute(E.update().where(E.c.id == ent["id"]).values(**values))
            conn.execute(
                S.insert().values(
                    transcript_id=tid,
                    entity_id=ent["id"],
                    start_char=d.start,
                    end_char=d.end,
                    label=label,
                    score=1.0,
                    source="manual",
                    status="accepted",
                    text=d.text,
                    created_at=now(),
                )
            )
            n += 1
    if not n:
        raise NotFoundError("nothing matched")
    log_event(conn, study_id=study_id, action="add", entity="privacy_suggestion", payload={"n": n})
    return n


def interview_label(conn: sa.Connection, study_id: int, ref: int | str | None) -> str | None:
    """An interview given by id or label, as the label these services take; an unknown one, or
    one without a transcript, is not found (before anything runs). Empty: None (the study)."""
    from kvali.interviews.service import interview_id

    if ref in (None, ""):
        return None
    iid = interview_id(conn, study_id, str(ref).strip())
    transcript_id_for(conn, study_id, iid)
    return conn.execute(sa.select(t.interviews.c.label).where(t.interviews.c.id == iid)).scalar()


def check_suggestions(conn: sa.Connection, study_id: int, ids: Sequence[int]) -> None:
    """Every id is a suggestion of this study, or NotFound names those that are not (the
    decisions accept unknown ids silently, so a client checks first and nothing changes)."""
    q = sa.select(S.c.id).join(E, E.c.id == S.c.entity_id)
    found = set(conn.execute(q.where(E.c.study_id == study_id, S.c.id.in_(ids))).scalars())
    missing = sorted(set(ids) - found)
    if missing:
        raise NotFoundError("no suggestion {missing}", missing=", ".join(map(str, missing)))


def check_entity(conn: sa.Connection, study_id: int, entity_id: int) -> None:
    error = NotFoundError("no entity {entity_id}", entity_id=entity_id)
    get_or_404(conn, E, entity_id, study_id=study_id, error=error)


def status_counts(conn: sa.Connection, study_id: int) -> dict[str, int]:
    """How many suggestions are pending, accepted and rejected."""
    counts = dict(
        conn.execute(
            sa.select(S.c.status, sa.func.count())
            .join(E, E.c.id == S.c.entity_id)
            .where(E.c.study_id == study_id)
            .group_by(S.c.status)
        ).all()
    )
    return {s: counts.get(s, 0) for s in STATUSES}


def last_apply(conn: sa.Connection, study_id: int) -> dict[str, Any] | None:
    """When the last ``apply`` ran and what it reported (its event), or None."""
    ev = t.events
    q = (
        sa.select(ev.c.created_at, ev.c.payload)
        .where(ev.c.study_id == study_id, ev.c.action == "pseudonymize")
        .order_by(ev.c.id.desc())
        .limit(1)
    )
    row = conn.execute(q).first()
    return {"at": row.created_at, **row.payload} if row else None
