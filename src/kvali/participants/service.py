"""Participants: pseudonymous codes, case attributes, consent and member check (DOMAIN step 3).

Withdrawal lives in :mod:`kvali.participants.withdrawal` because it also touches files.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.db.rows import get_or_404
from kvali.errors import InputError, NotFoundError
from kvali.events.service import insert_logged, log_event, update_logged
from kvali.util import now

MEMBER_CHECK_STATUSES = ("not_offered", "sent", "approved", "changes_requested", "declined")


def add_participant(
    conn: sa.Connection,
    study_id: int,
    *,
    code: str,
    attributes: dict[str, Any] | None = None,
    consent_date: date | None = None,
    consent_document: str | None = None,
) -> int:
    code = code.strip()
    if not code:
        raise InputError("a participant needs a pseudonymous code (e.g. R1)")
    if _find(conn, study_id, code) is not None:
        raise InputError("participant {code!r} already exists", code=code)
    pid = insert_logged(
        conn,
        t.participants,
        {
            "study_id": study_id,
            "code": code,
            "consent_date": consent_date,
            "consent_document": consent_document,
        },
        study_id=study_id,
        entity="participant",
        payload={"code": code},
    )
    if attributes:
        _write_attributes(conn, pid, attributes)
    return pid


def _find(conn: sa.Connection, study_id: int, code: str) -> int | None:
    return conn.execute(
        sa.select(t.participants.c.id).where(
            t.participants.c.study_id == study_id, t.participants.c.code == code
        )
    ).scalar()


def participant_id(conn: sa.Connection, study_id: int, code: str) -> int:
    error = NotFoundError("no participant with code {code!r}", code=code)
    match = {"study_id": study_id, "code": code}
    return get_or_404(conn, t.participants, match=match, error=error)["id"]


def _write_attributes(conn: sa.Connection, pid: int, attributes: dict[str, Any]) -> None:
    pa = t.participant_attributes
    for name, value in attributes.items():
        conn.execute(pa.delete().where(pa.c.participant_id == pid, pa.c.name == name))
        if value is not None and str(value) != "":
            conn.execute(pa.insert().values(participant_id=pid, name=str(name), value=str(value)))


def set_attributes(
    conn: sa.Connection, study_id: int, code: str, attributes: dict[str, Any]
) -> None:
    """Set (or, with an empty value, remove) case attributes."""
    pid = participant_id(conn, study_id, code)
    _write_attributes(conn, pid, attributes)
    log_event(
        conn,
        study_id=study_id,
        action="set_attributes",
        entity="participant",
        entity_id=pid,
        payload={"names": sorted(attributes)},
    )


def set_consent(
    conn: sa.Connection,
    study_id: int,
    code: str,
    *,
    consent_date: date | None,
    document: str | None,
) -> None:
    update_logged(
        conn,
        t.participants,
        participant_id(conn, study_id, code),
        {"consent_date": consent_date, "consent_document": document},
        study_id=study_id,
        entity="participant",
        action="set_consent",
        payload={},
    )


def record_member_check(
    conn: sa.Connection, study_id: int, code: str, *, status: str, comments: str | None = None
) -> None:
    """Record where the participant's check of their transcript stands, and what they said."""
    if status not in MEMBER_CHECK_STATUSES:
        raise InputError(
            "member-check status must be one of {member_check_statuses}",
            member_check_statuses=", ".join(MEMBER_CHECK_STATUSES),
        )
    update_logged(
        conn,
        t.participants,
        participant_id(conn, study_id, code),
        {
            "member_check_status": status,
            "member_check_comments": comments,
            "member_check_at": now(),
        },
        study_id=study_id,
        entity="participant",
        action="member_check",
        payload={"status": status},
    )


def list_participants(
    conn: sa.Connection, study_id: int, *, include_withdrawn: bool = True
) -> list[dict[str, Any]]:
    p, pa = t.participants, t.participant_attributes
    q = sa.select(p).where(p.c.study_id == study_id).order_by(p.c.code)
    if not include_withdrawn:
        q = q.where(p.c.withdrawn_at.is_(None))
    out = []
    for r in conn.execute(q).mappings():
        d = {k: r[k] for k in ("id", "code", "member_check_status", "member_check_comments")}
        d["consent_date"] = r["consent_date"].isoformat() if r["consent_date"] else None
        d["consent_document"] = r["consent_document"]
        d["withdrawn"] = r["withdrawn_at"] is not None
        d["attributes"] = {}
        out.append(d)
    by_id = {d["id"]: d for d in out}
    if by_id:
        for pid, name, value in conn.execute(
            sa.select(pa.c.participant_id, pa.c.name, pa.c.value)
            .where(pa.c.participant_id.in_(list(by_id)))
            .order_by(pa.c.id)
        ):
            by_id[pid]["attributes"][name] = value
    return out


def get_participant(conn: sa.Connection, study_id: int, code: str) -> dict[str, Any]:
    participant_id(conn, study_id, code)
    return next(p for p in list_participants(conn, study_id) if p["code"] == code)
