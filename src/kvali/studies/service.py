"""Studies and their research questions (DOMAIN step 1)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.db.rows import get_or_404
from kvali.errors import InputError, NotFoundError
from kvali.events.service import insert_logged, log_event, update_logged
from kvali.util import new_guid, now


def create_study(
    conn: sa.Connection, *, title: str, problem_statement: str = "", language: str = "nb"
) -> int:
    if not title.strip():
        raise InputError("a study needs a title")
    sid = conn.execute(
        t.studies.insert().values(
            guid=new_guid(),
            title=title.strip(),
            problem_statement=problem_statement.strip(),
            language=language,
            created_at=now(),
        )
    ).inserted_primary_key[0]
    log_event(
        conn, study_id=sid, action="create", entity="study", entity_id=sid, payload={"title": title}
    )
    # Coding starts in cycle 1; creating it here (not on the first coding) means two coders'
    # first codings can never race to create it.
    from kvali.codings.cycles import current_cycle_id

    current_cycle_id(conn, sid)
    return sid


def default_study_id(conn: sa.Connection) -> int:
    """The project's study (a project folder holds one study)."""
    sid = conn.execute(sa.select(sa.func.min(t.studies.c.id))).scalar()
    if sid is None:
        raise NotFoundError("this project has no study yet: kvali study create --title …")
    return sid


def get_study(conn: sa.Connection, study_id: int) -> dict[str, Any]:
    error = NotFoundError("no study with id {study_id}", study_id=study_id)
    study = dict(get_or_404(conn, t.studies, study_id, error=error))
    study["created_at"] = study["created_at"].isoformat()
    study["research_questions"] = list_research_questions(conn, study_id)
    return study


def update_study(
    conn: sa.Connection,
    study_id: int,
    *,
    title: str | None = None,
    problem_statement: str | None = None,
    language: str | None = None,
) -> None:
    values = {
        k: v
        for k, v in {
            "title": title,
            "problem_statement": problem_statement,
            "language": language,
        }.items()
        if v is not None
    }
    update_logged(conn, t.studies, study_id, values, study_id=study_id, entity="study")


def add_research_question(conn: sa.Connection, study_id: int, *, text: str) -> int:
    if not text.strip():
        raise InputError("a research question needs text")
    pos = conn.execute(
        sa.select(sa.func.coalesce(sa.func.max(t.research_questions.c.position), 0)).where(
            t.research_questions.c.study_id == study_id
        )
    ).scalar()
    return insert_logged(
        conn,
        t.research_questions,
        {"study_id": study_id, "position": pos + 1, "text": text.strip()},
        study_id=study_id,
        entity="research_question",
        payload={"position": pos + 1},
    )


def list_research_questions(conn: sa.Connection, study_id: int) -> list[dict[str, Any]]:
    rq, rqt, codes = t.research_questions, t.research_question_themes, t.codes
    rows = conn.execute(
        sa.select(rq.c.id, rq.c.position, rq.c.text)
        .where(rq.c.study_id == study_id)
        .order_by(rq.c.position)
    ).mappings()
    out = [dict(r) | {"themes": []} for r in rows]
    by_id = {r["id"]: r for r in out}
    for rid, name in conn.execute(
        sa.select(rqt.c.research_question_id, codes.c.name)
        .join(codes, codes.c.id == rqt.c.code_id)
        .where(rqt.c.research_question_id.in_(list(by_id) or [-1]))
        .order_by(codes.c.position, codes.c.id)
    ):
        by_id[rid]["themes"].append(name)
    return out


def research_question_id(conn: sa.Connection, study_id: int, ref: str | int) -> int:
    """Resolve a research question by its number (1, 2, …) as the researcher sees it."""
    error = NotFoundError("no research question number {ref}", ref=ref)
    match = {"study_id": study_id, "position": int(ref)}
    return get_or_404(conn, t.research_questions, match=match, error=error)["id"]


def link_theme(conn: sa.Connection, study_id: int, *, question: int, code_id: int) -> None:
    """Record that a theme (or category) helps answer a research question (thesis Figure 4)."""
    rid = research_question_id(conn, study_id, question)
    exists = conn.execute(
        sa.select(t.research_question_themes).where(
            t.research_question_themes.c.research_question_id == rid,
            t.research_question_themes.c.code_id == code_id,
        )
    ).first()
    if not exists:
        conn.execute(
            t.research_question_themes.insert().values(research_question_id=rid, code_id=code_id)
        )
        log_event(
            conn,
            study_id=study_id,
            action="link_theme",
            entity="research_question",
            entity_id=rid,
            payload={"code_id": code_id},
        )


def stats(conn: sa.Connection, study_id: int) -> dict[str, int]:
    """Counts scripts rely on (``kvali stats --json``)."""

    def count(table: sa.Table, *where: Any) -> int:
        return (
            conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar() or 0
        )

    tr_ids = (
        sa.select(t.transcripts.c.id)
        .join(t.interviews, t.interviews.c.id == t.transcripts.c.interview_id)
        .where(t.interviews.c.study_id == study_id)
    )
    from kvali.codings.cycles import current_cycle_id

    cycle_id = current_cycle_id(conn, study_id, create=False)
    return {
        "participants": count(
            t.participants,
            t.participants.c.study_id == study_id,
            t.participants.c.withdrawn_at.is_(None),
        ),
        "withdrawn": count(
            t.participants,
            t.participants.c.study_id == study_id,
            t.participants.c.withdrawn_at.is_not(None),
        ),
        "interviews": count(t.interviews, t.interviews.c.study_id == study_id),
        "transcripts": count(t.transcripts, t.transcripts.c.id.in_(tr_ids)),
        "turns": count(t.turns, t.turns.c.transcript_id.in_(tr_ids)),
        "words": _word_count(conn, tr_ids),
        "codes": count(t.codes, t.codes.c.study_id == study_id, t.codes.c.status == "active"),
        "codings": count(
            t.codings, t.codings.c.cycle_id == (cycle_id or -1), t.codings.c.removed_at.is_(None)
        ),
        "codings_all_cycles": count(t.codings, t.codings.c.transcript_id.in_(tr_ids)),
        "memos": count(t.memos, t.memos.c.study_id == study_id),
        "cycles": count(t.cycles, t.cycles.c.study_id == study_id),
        "research_questions": count(
            t.research_questions, t.research_questions.c.study_id == study_id
        ),
    }


def _word_count(conn: sa.Connection, tr_ids: sa.Select) -> int:
    n = 0
    for (text,) in conn.execute(
        sa.select(t.turns.c.text).where(t.turns.c.transcript_id.in_(tr_ids))
    ):
        n += len(text.split())
    return n


def interview_progress(conn: sa.Connection, study_id: int) -> list[dict[str, Any]]:
    """Per interview: transcribed, checked against the recording up to when, pseudonymized,
    and live codings in the current cycle.

    The study overview shows this so a researcher sees at a glance what is left to do.
    """
    from kvali.codings.cycles import current_cycle_id
    from kvali.transcripts.editing import checked_up_to

    checked = checked_up_to(conn, study_id)

    iv, tr, c = t.interviews, t.transcripts, t.codings
    cycle_id = current_cycle_id(conn, study_id, create=False) or -1
    coded = (
        sa.select(c.c.transcript_id, sa.func.count().label("n"))
        .where(c.c.cycle_id == cycle_id, c.c.removed_at.is_(None))
        .group_by(c.c.transcript_id)
        .subquery()
    )
    q = (
        sa.select(
            iv.c.id,
            iv.c.label,
            iv.c.mode,
            iv.c.date,
            tr.c.id.label("transcript_id"),
            tr.c.char_count,
            tr.c.pseudonymized,
            sa.func.coalesce(coded.c.n, 0).label("codings"),
        )
        .select_from(
            iv.outerjoin(tr, tr.c.interview_id == iv.c.id).outerjoin(
                coded, coded.c.transcript_id == tr.c.id
            )
        )
        .where(iv.c.study_id == study_id)
        .order_by(iv.c.date.is_(None), iv.c.date, iv.c.id)
    )
    return [
        {
            "interview_id": r.id,
            "label": r.label,
            "mode": r.mode,
            "date": r.date.isoformat() if r.date else None,
            "transcript_id": r.transcript_id,
            "transcribed": r.transcript_id is not None,
            "checked_up_to_ms": checked.get(r.id),
            "pseudonymized": bool(r.pseudonymized),
            "chars": r.char_count or 0,
            "codings": int(r.codings),
            "coded": int(r.codings) > 0,
        }
        for r in conn.execute(q)
    ]
