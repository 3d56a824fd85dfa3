"""Interviews: who took part, who interviewed, when, how (in person / hybrid / digital) — step 4."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.errors import InputError, NotFoundError
from kvali.events.service import insert_logged, update_logged
from kvali.participants.service import participant_id
from kvali.util import new_guid, now, numeric_id

MODES = ("in_person", "hybrid", "digital")
_MODE_ALIASES = {
    "in-person": "in_person",
    "fysisk": "in_person",
    "digitalt": "digital",
    "teams": "digital",
}


def normalize_mode(mode: str) -> str:
    m = _MODE_ALIASES.get(mode.strip().lower(), mode.strip().lower())
    if m not in MODES:
        raise InputError(
            "interview mode must be one of in-person, hybrid, digital (got {mode!r})", mode=mode
        )
    return m


def user_id(conn: sa.Connection, name: str, *, create: bool = True) -> int:
    """Researchers (interviewers, coders) by name; created on first use."""
    uid = conn.execute(sa.select(t.users.c.id).where(t.users.c.name == name)).scalar()
    if uid is None:
        if not create:
            raise NotFoundError("no user named {name!r}", name=name)
        uid = conn.execute(
            t.users.insert().values(guid=new_guid(), name=name, created_at=now())
        ).inserted_primary_key[0]
    return uid


def user_names(conn: sa.Connection) -> list[str]:
    """Every user of the project (coders are users), for the coder pickers."""
    return list(conn.execute(sa.select(t.users.c.name).order_by(t.users.c.name)).scalars())


def add_interview(
    conn: sa.Connection,
    study_id: int,
    *,
    label: str,
    participants: list[str] = (),  # type: ignore[assignment]
    interviewers: list[str] = (),  # type: ignore[assignment]
    date: date | None = None,
    mode: str = "in_person",
    duration_s: int | None = None,
    audio_path: str | None = None,
) -> int:
    label = label.strip()
    if not label:
        raise InputError("an interview needs a label (e.g. 'Intervju 1')")
    if _find(conn, study_id, label) is not None:
        raise InputError("interview {label!r} already exists", label=label)
    mode = normalize_mode(mode)
    pids = [
        participant_id(conn, study_id, code) for code in participants
    ]  # validate before writing
    iid = insert_logged(
        conn,
        t.interviews,
        {
            "study_id": study_id,
            "label": label,
            "date": date,
            "mode": mode,
            "duration_s": duration_s,
            "audio_path": audio_path,
        },
        study_id=study_id,
        entity="interview",
        payload={"label": label, "mode": mode},
    )
    for pid in pids:
        conn.execute(t.interview_participants.insert().values(interview_id=iid, participant_id=pid))
    for name in interviewers:
        conn.execute(
            t.interview_interviewers.insert().values(interview_id=iid, user_id=user_id(conn, name))
        )
    return iid


def _find(conn: sa.Connection, study_id: int, label: str) -> int | None:
    return conn.execute(
        sa.select(t.interviews.c.id).where(
            t.interviews.c.study_id == study_id, t.interviews.c.label == label
        )
    ).scalar()


def interview_id(conn: sa.Connection, study_id: int, ref: str | int) -> int:
    """Resolve an interview by label, or by numeric id."""
    iid = _find(conn, study_id, str(ref))
    if iid is None and (num := numeric_id(ref)) is not None:
        iid = conn.execute(
            sa.select(t.interviews.c.id).where(
                t.interviews.c.study_id == study_id, t.interviews.c.id == num
            )
        ).scalar()
    if iid is None:
        raise NotFoundError("no interview {ref!r}", ref=ref)
    return iid


def update_interview(conn: sa.Connection, study_id: int, ref: str | int, **values: Any) -> None:
    iid = interview_id(conn, study_id, ref)
    allowed = {"label", "date", "mode", "duration_s", "audio_path"}
    bad = set(values) - allowed
    if bad:
        raise InputError("unknown interview fields: {bad}", bad=", ".join(sorted(bad)))
    if "mode" in values and values["mode"] is not None:
        values["mode"] = normalize_mode(values["mode"])
    values = {k: v for k, v in values.items() if v is not None}
    update_logged(conn, t.interviews, iid, values, study_id=study_id, entity="interview")


def list_interviews(conn: sa.Connection, study_id: int) -> list[dict[str, Any]]:
    i, tr = t.interviews, t.transcripts
    q = (
        sa.select(i, tr.c.id.label("transcript_id"), tr.c.char_count, tr.c.pseudonymized)
        .select_from(i.outerjoin(tr, tr.c.interview_id == i.c.id))
        .where(i.c.study_id == study_id)
        .order_by(i.c.date.is_(None), i.c.date, i.c.id)
    )
    out = []
    for r in conn.execute(q).mappings():
        d = dict(r)
        d["date"] = d["date"].isoformat() if d["date"] else None
        d["created_at"] = d["created_at"].isoformat()
        d["participants"], d["interviewers"] = [], []
        d["pseudonymized"] = bool(d["pseudonymized"])
        out.append(d)
    by_id = {d["id"]: d for d in out}
    if by_id:
        ids = list(by_id)
        for iid, code in conn.execute(
            sa.select(t.interview_participants.c.interview_id, t.participants.c.code)
            .join(t.participants, t.participants.c.id == t.interview_participants.c.participant_id)
            .where(t.interview_participants.c.interview_id.in_(ids))
            .order_by(t.participants.c.code)
        ):
            by_id[iid]["participants"].append(code)
        for iid, name in conn.execute(
            sa.select(t.interview_interviewers.c.interview_id, t.users.c.name)
            .join(t.users, t.users.c.id == t.interview_interviewers.c.user_id)
            .where(t.interview_interviewers.c.interview_id.in_(ids))
            .order_by(t.users.c.name)
        ):
            by_id[iid]["interviewers"].append(name)
    return out


def get_interview(conn: sa.Connection, study_id: int, ref: str | int) -> dict[str, Any]:
    iid = interview_id(conn, study_id, ref)
    return next(d for d in list_interviews(conn, study_id) if d["id"] == iid)
