"""Blind double coding per transcript: each coder sees only their own codings until every coder
has marked the transcript done; then the comparison opens (and stays open).

Coders are users of the project (``users``, ``codings.coder_id``). While a transcript is blind,
someone who is not one of its coders sees only codings by people outside the blind round, so
nobody's independent work leaks into anyone's view before the comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from kvali.analysis.tables import analysis_blind as blind_t
from kvali.analysis.tables import analysis_blind_coders as coders_t
from kvali.codings.service import add_coding, list_codings
from kvali.db import schema as t
from kvali.errors import InputError, NotFoundError
from kvali.events.service import log_event
from kvali.interviews.service import user_id
from kvali.transcripts.service import check_transcript_in_study
from kvali.util import now


def _session(conn: sa.Connection, transcript_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(blind_t).where(blind_t.c.transcript_id == transcript_id)).first()
    return dict(row._mapping) if row else None


def set_blind(
    conn: sa.Connection, study_id: int, transcript_id: int, *, coders: Sequence[str]
) -> dict[str, Any]:
    """Put a transcript under blind mode for these coders (at least two); returns its state.

    Changing the coders is allowed until the comparison has opened.
    """
    check_transcript_in_study(conn, study_id, transcript_id)
    names = list(dict.fromkeys(n.strip() for n in coders if n.strip()))
    if len(names) < 2:
        raise InputError("blind mode needs at least two coders")
    session = _session(conn, transcript_id)
    if session and session["opened_at"] is not None:
        raise InputError("the comparison on this transcript is already open; blind mode is over")
    if session is None:
        bid = conn.execute(
            blind_t.insert().values(
                study_id=study_id, transcript_id=transcript_id, created_at=now()
            )
        ).inserted_primary_key[0]
    else:
        bid = session["id"]
        conn.execute(coders_t.delete().where(coders_t.c.blind_id == bid))
    uids = [user_id(conn, n) for n in names]
    conn.execute(coders_t.insert(), [{"blind_id": bid, "user_id": u} for u in uids])
    log_event(
        conn,
        study_id=study_id,
        action="set_blind",
        entity="transcript",
        entity_id=transcript_id,
        payload={"coders": names},
    )
    return blind_state(conn, study_id, transcript_id)


def mark_done(
    conn: sa.Connection, study_id: int, transcript_id: int, *, coder: str
) -> dict[str, Any]:
    """A coder has finished the transcript; when the last one does, the comparison opens."""
    check_transcript_in_study(conn, study_id, transcript_id)
    session = _session(conn, transcript_id)
    if session is None:
        raise NotFoundError("this transcript is not in blind mode")
    uid = user_id(conn, coder, create=False)
    n = conn.execute(
        coders_t.update()
        .where(
            coders_t.c.blind_id == session["id"],
            coders_t.c.user_id == uid,
            coders_t.c.done_at.is_(None),
        )
        .values(done_at=now())
    ).rowcount
    if not n:
        known = conn.execute(
            sa.select(coders_t.c.user_id).where(
                coders_t.c.blind_id == session["id"], coders_t.c.user_id == uid
            )
        ).first()
        if known is None:
            raise InputError("{coder!r} is not one of this transcript's blind coders", coder=coder)
    waiting = conn.execute(
        sa.select(sa.func.count()).where(
            coders_t.c.blind_id == session["id"], coders_t.c.done_at.is_(None)
        )
    ).scalar()
    if not waiting and session["opened_at"] is None:
        conn.execute(blind_t.update().where(blind_t.c.id == session["id"]).values(opened_at=now()))
    log_event(
        conn,
        study_id=study_id,
        action="blind_done",
        entity="transcript",
        entity_id=transcript_id,
        payload={"coder": coder, "opened": not waiting},
    )
    return blind_state(conn, study_id, transcript_id)


def blind_state(conn: sa.Connection, study_id: int, transcript_id: int) -> dict[str, Any]:
    """``{"blind", "open", "opened_at", "coders": [{"name", "done_at"}]}`` (JSON-ready)."""
    check_transcript_in_study(conn, study_id, transcript_id)
    session = _session(conn, transcript_id)
    if session is None:
        return {"transcript_id": transcript_id, "blind": False, "open": True, "coders": []}
    rows = conn.execute(
        sa.select(t.users.c.name, coders_t.c.done_at)
        .join(t.users, t.users.c.id == coders_t.c.user_id)
        .where(coders_t.c.blind_id == session["id"])
        .order_by(t.users.c.name)
    ).all()
    opened = session["opened_at"]
    return {
        "transcript_id": transcript_id,
        "blind": opened is None,
        "open": opened is not None,
        "opened_at": opened.isoformat() if opened else None,
        "coders": [
            {"name": r.name, "done_at": r.done_at.isoformat() if r.done_at else None} for r in rows
        ],
    }


def list_blind(conn: sa.Connection, study_id: int) -> list[dict[str, Any]]:
    """Every transcript that has (or had) blind mode, with its interview label."""
    rows = conn.execute(
        sa.select(blind_t.c.transcript_id, t.interviews.c.label)
        .join(t.transcripts, t.transcripts.c.id == blind_t.c.transcript_id)
        .join(t.interviews, t.interviews.c.id == t.transcripts.c.interview_id)
        .where(blind_t.c.study_id == study_id)
        .order_by(t.interviews.c.id)
    ).all()
    return [{"interview": r.label, **blind_state(conn, study_id, r.transcript_id)} for r in rows]


def opened_at(
    conn: sa.Connection, transcript_id: int, *, coders: Sequence[str] = ()
) -> datetime | None:
    """When the comparison opened on this transcript (for these coders), if it has."""
    session = _session(conn, transcript_id)
    if session is None or session["opened_at"] is None:
        return None
    if coders:
        names = set(
            conn.execute(
                sa.select(t.users.c.name)
                .join(coders_t, coders_t.c.user_id == t.users.c.id)
                .where(coders_t.c.blind_id == session["id"])
            ).scalars()
        )
        if not set(coders) <= names:
            return None
    return session["opened_at"]


def check_open(state: dict[str, Any]) -> None:
    """Refuse the side-by-side review while the transcript is blind (``blind_state``)."""
    if state["blind"]:
        raise InputError(
            "this transcript is still blind: the review opens when every coder has marked it done"
        )


def review_coders(state: dict[str, Any], a: str = "", b: str = "") -> list[str]:
    """Coders to compare: as asked, else the blind round's two, else a clear error."""
    if a and b:
        names = [a, b]
    elif len(state["coders"]) == 2:
        names = [c["name"] for c in state["coders"]]
    else:
        raise InputError("choose the two coders to compare (coder_a and coder_b)")
    if names[0] == names[1]:
        raise InputError("compare two different coders")
    return names


def visible_codings(
    conn: sa.Connection, study_id: int, transcript_id: int, *, viewer: str | None
) -> list[dict[str, Any]]:
    """The live codings of the current cycle that ``viewer`` may see on this transcript: the
    one read path (``list_codings``, whose rule is in ``codings.visible``), for one transcript."""
    check_transcript_in_study(conn, study_id, transcript_id)
    iid = conn.execute(
        sa.select(t.transcripts.c.interview_id).where(t.transcripts.c.id == transcript_id)
    ).scalar()
    return list_codings(conn, study_id, interview=iid, viewer=viewer)


def code_as(
    conn: sa.Connection,
    study_id: int,
    *,
    transcript_id: int,
    code: str | int,
    start: int,
    end: int,
    coder: str,
    gold: bool = False,
) -> int:
    """Code a span as one coder. ``add_coding`` keeps codings apart per coder, so another
    coder's identical coding is never returned in its place; this names the coder explicitly,
    as double coding requires. Returns the coding id."""
    return add_coding(
        conn, study_id, transcript_id=transcript_id, code=code, start=start, end=end,
        coder=coder, gold=gold,
    )  # fmt: skip
