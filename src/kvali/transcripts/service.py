"""Transcripts as speaker turns (DOMAIN step 5), and text edits that carry codings along."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.db.rows import get_or_404
from kvali.errors import InputError, NotFoundError
from kvali.events.service import insert_logged, log_event
from kvali.interviews.service import interview_id
from kvali.transcripts.offsets import SEP, Edit, check_edits, layout, map_span, map_start
from kvali.util import normalize_text, now

ROLES = ("interviewer", "participant", "other")


def _interview_people(conn: sa.Connection, iid: int) -> tuple[list[str], dict[str, int]]:
    interviewers = [
        n
        for (n,) in conn.execute(
            sa.select(t.users.c.name)
            .join(t.interview_interviewers, t.interview_interviewers.c.user_id == t.users.c.id)
            .where(t.interview_interviewers.c.interview_id == iid)
        )
    ]
    participants = {
        code: pid
        for pid, code in conn.execute(
            sa.select(t.participants.c.id, t.participants.c.code)
            .join(
                t.interview_participants,
                t.interview_participants.c.participant_id == t.participants.c.id,
            )
            .where(t.interview_participants.c.interview_id == iid)
        )
    }
    return interviewers, participants


def save_transcript(
    conn: sa.Connection,
    study_id: int,
    interview: str | int,
    *,
    turns: Iterable[dict[str, Any]],
    language: str | None = None,
    source: str | None = None,
    provenance: dict[str, Any] | None = None,
    speaker_roles: dict[str, str] | None = None,
    replace: bool = False,
) -> int:
    """Store a transcript for an interview. Roles come from the turn, then ``speaker_roles``,
    then a guess from the label; participant turns are linked to the interview's participant."""
    from kvali.interop.transcripts import guess_role

    iid = interview_id(conn, study_id, interview)
    existing = conn.execute(
        sa.select(t.transcripts.c.id).where(t.transcripts.c.interview_id == iid)
    ).scalar()
    if existing is not None:
        if not replace:
            raise InputError(
                "interview {interview!r} already has a transcript (use --replace)",
                interview=interview,
            )
        n = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.codings)
            .where(t.codings.c.transcript_id == existing)
        ).scalar()
        if n:
            raise InputError(
                "interview {interview!r} has {n} codings on its transcript; replacing the text would break them — correct the text with `kvali transcript edit` instead",
                interview=interview,
                n=n,
            )
        conn.execute(t.transcripts.delete().where(t.transcripts.c.id == existing))
    interviewers, participants = _interview_people(conn, iid)
    only_pid = next(iter(participants.values())) if len(participants) == 1 else None
    speaker_roles = {k.lower(): v for k, v in (speaker_roles or {}).items()}
    rows = []
    for turn in turns:
        text = normalize_text(turn["text"]).strip()
        if not text:
            continue
        speaker = normalize_text(turn["speaker"]).strip() or "Unknown"
        role = (
            turn.get("role")
            or speaker_roles.get(speaker.lower())
            or guess_role(speaker, interviewer_names=interviewers)
        )
        if role not in ROLES:
            raise InputError(
                "unknown role {role!r} for speaker {speaker!r}", role=role, speaker=speaker
            )
        pid = participants.get(speaker) or (only_pid if role == "participant" else None)
        rows.append(
            {
                "speaker": speaker,
                "role": role,
                "participant_id": pid,
                "start_ms": turn.get("start_ms"),
                "end_ms": turn.get("end_ms"),
                "text": text,
            }
        )
    if not rows:
        raise InputError("the transcript for {interview!r} has no text", interview=interview)
    spans = layout([r["text"] for r in rows])
    created = now()
    tid = insert_logged(
        conn,
        t.transcripts,
        {
            "interview_id": iid,
            "language": language,
            "source": source,
            "provenance": provenance,
            "char_count": spans[-1][1],
            "created_at": created,
            "updated_at": created,
        },
        study_id=study_id,
        entity="transcript",
        payload={
            "interview_id": iid,
            "turns": len(rows),
            "source": Path(source).name if source else None,
        },
    )
    for pos, (row, (s, e)) in enumerate(zip(rows, spans, strict=True)):
        row.update(transcript_id=tid, position=pos, start_char=s, end_char=e)
    conn.execute(t.turns.insert(), rows)
    return tid


def import_transcript(
    conn: sa.Connection,
    study_id: int,
    interview: str | int,
    path: str | Path,
    *,
    format: str | None = None,
    language: str | None = None,
    speaker_roles: dict[str, str] | None = None,
    replace: bool = False,
) -> int:
    """Parse a transcript file (text/Markdown, VTT, SRT, DOCX, kvali JSON) and store it."""
    from kvali.interop.transcripts import parse_transcript

    parsed = parse_transcript(path, format=format)
    turns = [
        {
            "speaker": p.speaker,
            "text": p.text,
            "start_ms": p.start_ms,
            "end_ms": p.end_ms,
            "role": p.role,
        }
        for p in parsed.turns
    ]
    return save_transcript(
        conn,
        study_id,
        interview,
        turns=turns,
        language=language or parsed.language,
        source=str(path),
        provenance={"imported_from": Path(path).name, "format": parsed.format},
        speaker_roles=speaker_roles,
        replace=replace,
    )


def transcript_id_for(conn: sa.Connection, study_id: int, interview: str | int) -> int:
    iid = interview_id(conn, study_id, interview)
    error = NotFoundError("interview {interview!r} has no transcript yet", interview=interview)
    return get_or_404(conn, t.transcripts, match={"interview_id": iid}, error=error)["id"]


def get_turns(conn: sa.Connection, transcript_id: int) -> list[dict[str, Any]]:
    q = (
        sa.select(t.turns)
        .where(t.turns.c.transcript_id == transcript_id)
        .order_by(t.turns.c.position)
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def get_text(conn: sa.Connection, transcript_id: int) -> str:
    return SEP.join(
        text
        for (text,) in conn.execute(
            sa.select(t.turns.c.text)
            .where(t.turns.c.transcript_id == transcript_id)
            .order_by(t.turns.c.position)
        )
    )


def turn_at(turns: Sequence[dict[str, Any]], pos: int) -> dict[str, Any] | None:
    """The turn containing character ``pos`` (turns sorted by position)."""
    lo, hi = 0, len(turns) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        tr = turns[mid]
        if pos < tr["start_char"]:
            hi = mid - 1
        elif pos > tr["end_char"]:
            lo = mid + 1
        else:
            return tr
    return None


def edit_text(
    conn: sa.Connection,
    study_id: int,
    transcript_id: int,
    edits: Sequence[Edit],
    *,
    reason: str = "correction",
) -> dict[str, int]:
    """Correct transcript text; every coding (in every cycle) moves with the text.

    Each edit must stay inside one turn. A coding whose text is deleted entirely is marked
    removed (reason ``text_deleted``), never left pointing at other words.
    """
    turns = get_turns(conn, transcript_id)
    if not turns:
        raise NotFoundError("no transcript {transcript_id}", transcript_id=transcript_id)
    length = turns[-1]["end_char"]
    edits = check_edits([Edit(e.start, e.end, normalize_text(e.new)) for e in edits], length)
    new_texts: dict[int, str] = {}
    for tr in turns:
        inside = [e for e in edits if tr["start_char"] <= e.start and e.end <= tr["end_char"]]
        if not inside:
            continue
        text = new_texts.get(tr["id"], tr["text"])
        for e in reversed(inside):  # right to left keeps earlier offsets valid
            a, b = e.start - tr["start_char"], e.end - tr["start_char"]
            text = text[:a] + e.new + text[b:]
        if not text.strip():
            raise InputError("edit would leave turn {position} empty", position=tr["position"] + 1)
        new_texts[tr["id"]] = text
    covered = sum(
        1 for tr in turns for e in edits if tr["start_char"] <= e.start and e.end <= tr["end_char"]
    )
    if covered != len(edits):
        raise InputError("an edit crosses a turn boundary; edit one turn at a time")
    for tid_, text in new_texts.items():
        conn.execute(t.turns.update().where(t.turns.c.id == tid_).values(text=text))
    return _relayout(conn, study_id, transcript_id, edits, reason=reason, vanished="remove")


def delete_turns(
    conn: sa.Connection, study_id: int, transcript_id: int, turn_ids: Iterable[int]
) -> dict[str, int]:
    """Remove whole turns (a withdrawn speaker); codings on them are deleted, others move."""
    ids = set(turn_ids)
    turns = get_turns(conn, transcript_id)
    edits = []
    for i, tr in enumerate(turns):
        if tr["id"] in ids:
            end = turns[i + 1]["start_char"] if i + 1 < len(turns) else tr["end_char"]
            start = tr["start_char"] if i + 1 < len(turns) or i == 0 else turns[i - 1]["end_char"]
            edits.append(Edit(start, end, ""))
    if not edits:
        return {"codings_moved": 0, "codings_removed": 0}
    edits = _merge_adjacent(edits)
    conn.execute(t.turns.delete().where(t.turns.c.id.in_(ids)))
    return _relayout(conn, study_id, transcript_id, edits, reason="withdrawal", vanished="delete")


def _merge_adjacent(edits: list[Edit]) -> list[Edit]:
    out: list[Edit] = []
    for e in sorted(edits, key=lambda e: e.start):
        if out and out[-1].end >= e.start:
            out[-1] = Edit(out[-1].start, max(out[-1].end, e.end), "")
        else:
            out.append(e)
    return out


def _relayout(
    conn: sa.Connection,
    study_id: int,
    transcript_id: int,
    edits: Sequence[Edit],
    *,
    reason: str,
    vanished: str,
) -> dict[str, int]:
    turns = get_turns(conn, transcript_id)
    spans = layout([tr["text"] for tr in turns])
    for pos, (tr, (s, e)) in enumerate(zip(turns, spans, strict=True)):
        if (tr["start_char"], tr["end_char"], tr["position"]) != (s, e, pos):
            conn.execute(
                t.turns.update()
                .where(t.turns.c.id == tr["id"])
                .values(start_char=s, end_char=e, position=pos)
            )
    length = spans[-1][1] if spans else 0
    moved = removed = 0
    c = t.codings
    for cid, s, e, removed_at in conn.execute(
        sa.select(c.c.id, c.c.start_char, c.c.end_char, c.c.removed_at).where(
            c.c.transcript_id == transcript_id
        )
    ).all():
        span = map_span(s, e, edits)
        if span is None:
            if vanished == "delete":
                conn.execute(
                    c.update().where(c.c.derived_from_id == cid).values(derived_from_id=None)
                )
                conn.execute(c.delete().where(c.c.id == cid))
            else:
                # Keep the record; park it on the nearest character so the span stays valid.
                p = min(map_start(s, edits), max(length - 1, 0))
                values: dict[str, Any] = {"start_char": p, "end_char": p + 1}
                if removed_at is None:
                    values |= {"removed_at": now(), "removed_reason": "text_deleted"}
                conn.execute(c.update().where(c.c.id == cid).values(**values))
            removed += 1
        elif span != (s, e):
            conn.execute(
                c.update().where(c.c.id == cid).values(start_char=span[0], end_char=span[1])
            )
            moved += 1
    created = now()
    version = conn.execute(
        sa.select(t.transcripts.c.version).where(t.transcripts.c.id == transcript_id)
    ).scalar()
    conn.execute(
        t.transcripts.update()
        .where(t.transcripts.c.id == transcript_id)
        .values(version=version + 1, char_count=length, updated_at=created)
    )
    if edits:
        conn.execute(
            t.transcript_edits.insert(),
            [
                {
                    "transcript_id": transcript_id,
                    "version": version + 1,
                    "start_char": e.start,
                    "end_char": e.end,
                    "new_length": len(e.new),
                    "reason": reason,
                    "created_at": created,
                }
                for e in edits
            ],
        )
    log_event(
        conn,
        study_id=study_id,
        action="edit_text",
        entity="transcript",
        entity_id=transcript_id,
        payload={
            "reason": reason,
            "edits": len(edits),
            "codings_moved": moved,
            "codings_removed": removed,
        },
    )
    return {"version": version + 1, "codings_moved": moved, "codings_removed": removed}


def set_speaker(
    conn: sa.Connection,
    study_id: int,
    transcript_id: int,
    *,
    speaker: str,
    new_name: str | None = None,
    role: str | None = None,
) -> int:
    """Rename a speaker label or change its role across a transcript."""
    if role is not None and role not in ROLES:
        raise InputError("role must be one of {roles}", roles=", ".join(ROLES))
    values: dict[str, Any] = {}
    if new_name:
        values["speaker"] = new_name
    if role:
        values["role"] = role
    if not values:
        return 0
    n = conn.execute(
        t.turns.update()
        .where(t.turns.c.transcript_id == transcript_id, t.turns.c.speaker == speaker)
        .values(**values)
    ).rowcount
    if n == 0:
        raise NotFoundError("no turns by speaker {speaker!r}", speaker=speaker)
    log_event(
        conn,
        study_id=study_id,
        action="set_speaker",
        entity="transcript",
        entity_id=transcript_id,
        payload={"turns": n, "role": role},
    )
    return n


def get_turns_window(
    conn: sa.Connection, transcript_id: int, *, offset: int = 0, limit: int = 200
) -> list[dict[str, Any]]:
    """Turns ``offset`` … ``offset + limit`` in order: long transcripts are shown in chunks."""
    q = (
        sa.select(t.turns)
        .where(t.turns.c.transcript_id == transcript_id)
        .order_by(t.turns.c.position)
        .offset(max(0, offset))
        .limit(max(0, limit))
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def count_turns(conn: sa.Connection, transcript_id: int) -> int:
    return (
        conn.execute(
            sa.select(sa.func.count())
            .select_from(t.turns)
            .where(t.turns.c.transcript_id == transcript_id)
        ).scalar()
        or 0
    )


def transcript_version(conn: sa.Connection, transcript_id: int) -> int:
    """The transcript's version: it grows with every edit (editors send it back to refuse
    a change made on text that changed meanwhile)."""
    return conn.execute(
        sa.select(t.transcripts.c.version).where(t.transcripts.c.id == transcript_id)
    ).scalar_one()


def check_transcript_in_study(conn: sa.Connection, study_id: int, transcript_id: int) -> None:
    """Raise NotFoundError unless the transcript belongs to one of the study's interviews."""
    sid = conn.execute(
        sa.select(t.interviews.c.study_id)
        .join(t.transcripts, t.transcripts.c.interview_id == t.interviews.c.id)
        .where(t.transcripts.c.id == transcript_id)
    ).scalar()
    if sid != study_id:
        raise NotFoundError(
            "no transcript {transcript_id} in this study", transcript_id=transcript_id
        )
