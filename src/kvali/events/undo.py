"""Undo and redo, built on the append-only event log: one mechanism for coding actions (add,
remove, change code, gold, merge of codes) and corrections of the transcript text.

A researcher's *changes* are their events that stand for one action (a coding's ``create``,
``remove``, ``set_gold`` or ``recode``, a code ``merge``, a transcript ``edit_text`` made as a
correction); events logged as steps of a larger change carry ``part_of`` in their payload and
are not changes of their own. Undoing a change applies its inverse as new, logged changes
(marked ``part_of: "undo"``) and then appends a marker event (entity ``event``, action
``undo``, the change's event id); redo re-applies the change and appends a ``redo`` marker.
Nothing is deleted or rewritten in the log: which changes are undone is read back from the
markers, so the undo and redo stacks are the same in every tab and after a restart.

A change that later work made impossible to take back (its words deleted, its code retired,
the turn rewritten since) is not forced: undo says why, appends a ``skip`` marker and goes on
with the change before it next time.

Codings toggle between live and closed (``codings.service.restore_coding`` opens a closed
one again), so a coding keeps its id through undo and redo and later changes still find it.
A correction's text before and after is kept outside the log (``events.tables.undo_texts``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.errors import InputError, KvaliError
from kvali.events.service import REDACTED, log_event, part_of
from kvali.events.tables import undo_texts
from kvali.i18n import N_, _, current_language
from kvali.util import now

# (entity, action) of the events that stand for one change → what it is called.
KINDS = {
    ("coding", "create"): N_("coding added"),
    ("coding", "remove"): N_("coding removed"),
    ("coding", "set_gold"): N_("gold quote"),
    ("coding", "recode"): N_("change of code"),
    ("code", "merge"): N_("merge of codes"),
    ("transcript", "edit_text"): N_("correction of the text"),
}
# How far back the stacks reach (the researcher's newest events).
HISTORY = 5000


def _is_change(entity: str, action: str, payload: dict[str, Any]) -> bool:
    if (entity, action) not in KINDS or payload.get("part_of") or payload == REDACTED:
        return False
    if action == "edit_text":
        return payload.get("reason") == "correction" and "version" in payload
    if action == "merge":
        return "codings" in payload  # merges logged before undo kept no record of what moved
    return True


def stacks(conn: sa.Connection, study_id: int, actor: str) -> tuple[list[Any], list[Any]]:
    """The actor's changes that can be undone (oldest first) and those that can be redone
    (the next redo last), replayed from their events and the undo/redo markers."""
    e = t.events
    kinds = [sa.and_(e.c.entity == en, e.c.action == ac) for en, ac in KINDS]
    markers = sa.and_(e.c.entity == "event", e.c.action.in_(("undo", "redo", "skip")))
    rows = conn.execute(
        sa.select(e.c.id, e.c.entity, e.c.action, e.c.entity_id, e.c.payload)
        .where(e.c.study_id == study_id, e.c.actor == actor, sa.or_(markers, *kinds))
        .order_by(e.c.id.desc())
        .limit(HISTORY)
    ).all()
    done: list[Any] = []
    undone: list[Any] = []
    changes: dict[int, Any] = {}
    for row in reversed(rows):
        if row.entity == "event":
            change = changes.get(row.entity_id)
            if change is not None and row.action == "skip":  # could not be taken back
                for stack in (done, undone):
                    if change in stack:
                        stack.remove(change)
                continue
            src, dst = (done, undone) if row.action == "undo" else (undone, done)
            if change is not None and change in src:
                src.remove(change)
                dst.append(change)
        elif _is_change(row.entity, row.action, row.payload or {}):
            changes[row.id] = row
            done.append(row)
            undone.clear()  # a new change ends what could be redone
    return done, undone


def undo_state(conn: sa.Connection, study_id: int, actor: str) -> dict[str, str | None]:
    """What undo and redo would take back or do again now (None: nothing), in words."""
    done, undone = stacks(conn, study_id, actor)
    return {
        "undo": _(KINDS[(done[-1].entity, done[-1].action)]) if done else None,
        "redo": _(KINDS[(undone[-1].entity, undone[-1].action)]) if undone else None,
    }


def undo(conn: sa.Connection, study_id: int, actor: str) -> dict[str, Any]:
    """Take back ``actor``'s latest change that is not undone yet, as new logged changes."""
    return _step(conn, study_id, actor, "undo")


def redo(conn: sa.Connection, study_id: int, actor: str) -> dict[str, Any]:
    """Do again the change ``actor`` undid last (until they make a new change)."""
    return _step(conn, study_id, actor, "redo")


def _step(conn: sa.Connection, study_id: int, actor: str, direction: str) -> dict[str, Any]:
    done, undone = stacks(conn, study_id, actor)
    stack = done if direction == "undo" else undone
    out: dict[str, Any] = {"action": direction, "kind": None}
    if not stack:
        out["message"] = _("Nothing to undo") if direction == "undo" else _("Nothing to redo")
        return out | undo_state(conn, study_id, actor)
    change = stack[-1]
    kind = KINDS[(change.entity, change.action)]
    try:
        with conn.begin_nested(), part_of(direction):  # a refusal leaves no half-applied step
            out |= _apply(conn, study_id, actor, change, back=direction == "undo")
    except KvaliError as exc:
        # Later work made this change impossible to take back (its words were deleted, a
        # code retired, the turn rewritten): say why and let undo go on with the one before,
        # instead of refusing every undo from now on.
        log_event(
            conn,
            study_id=study_id,
            action="skip",
            entity="event",
            entity_id=change.id,
            payload={"kind": change.action, "of": change.entity, "direction": direction},
        )
        what, reason = _(kind), exc.text(current_language())
        out["message"] = (
            _("Cannot undo the {what}: {reason}; it is left as it is", what=what, reason=reason)
            if direction == "undo"
            else _(
                "Cannot redo the {what}: {reason}; it is left as it is", what=what, reason=reason
            )
        )
        out["kind"] = None
        return out | undo_state(conn, study_id, actor)
    log_event(
        conn,
        study_id=study_id,
        action=direction,
        entity="event",
        entity_id=change.id,
        payload={"kind": change.action, "of": change.entity},
    )
    what = _(kind)
    out["kind"] = change.action
    out["message"] = (
        _("Undone: {what}", what=what) if direction == "undo" else _("Redone: {what}", what=what)
    )
    return out | undo_state(conn, study_id, actor)


def _apply(
    conn: sa.Connection, study_id: int, actor: str, change: Any, *, back: bool
) -> dict[str, Any]:
    """Apply the change's inverse (``back``) or the change again; returns what the screen
    needs to follow (the coding, the transcript and turn whose text changed)."""
    from kvali.codings import service as codings

    payload = change.payload or {}
    cid = change.entity_id

    def close(coding_id: int, reason: str) -> None:
        if _is_live(conn, coding_id):
            codings.remove_coding(conn, study_id, coding_id, reason=reason, viewer=actor)

    def reopen(coding_id: int) -> None:
        codings.restore_coding(conn, study_id, coding_id, viewer=actor)

    if change.entity == "coding":
        if change.action == "create" and back:
            close(cid, "undone")
        elif change.action == "create":
            reopen(cid)
        elif change.action == "remove" and back:
            reopen(cid)
        elif change.action == "remove":
            close(cid, payload.get("reason") or "removed")
        elif change.action == "set_gold":
            gold = bool(payload.get("gold", True))
            codings.set_gold(conn, study_id, cid, not gold if back else gold, viewer=actor)
        elif change.action == "recode":
            old = int(payload["from"])
            if back:
                close(cid, "undone")
                reopen(old)
            else:
                close(old, "recoded")
                reopen(cid)
            cid = old if back else cid
        return {"coding_id": cid, "transcript_id": _transcript_of(conn, cid)}
    if change.entity == "code":
        _merge(conn, study_id, payload, back=back)
        return {}
    return _correction(conn, study_id, change.entity_id, int(payload["version"]), back=back)


def _is_live(conn: sa.Connection, coding_id: int) -> bool:
    c = t.codings
    q = sa.select(c.c.removed_at.is_(None)).where(c.c.id == coding_id)
    return bool(conn.execute(q).scalar())


def _transcript_of(conn: sa.Connection, coding_id: int) -> int | None:
    c = t.codings
    return conn.execute(sa.select(c.c.transcript_id).where(c.c.id == coding_id)).scalar()


def _merge(conn: sa.Connection, study_id: int, payload: dict[str, Any], *, back: bool) -> None:
    """Take a merge of codes back (sources active again with their sub-codes and codings) or
    make it again; the codings toggle between the sources' rows and the target's."""
    from kvali.codes.service import _record

    c, codes = t.codings, t.codes
    target = int(payload["to"][0])
    sources = [int(s) for s in payload["from"]]
    status = conn.execute(sa.select(codes.c.status).where(codes.c.id == target)).scalar()
    if status != "active":
        raise InputError("code {cid} is no longer active; the merge cannot be undone", cid=target)
    olds = [int(o) for o, _n in payload["codings"]]
    news = [int(n) for _o, n in payload["codings"] if n is not None]
    close, reopen = (news, olds) if back else (olds, news)
    reason = "undone" if back else "merged"
    if close:
        conn.execute(
            c.update()
            .where(c.c.id.in_(close), c.c.removed_at.is_(None))
            .values(removed_at=now(), removed_reason=reason)
        )
    if reopen:
        conn.execute(
            c.update()
            .where(c.c.id.in_(reopen), c.c.removed_reason.in_(("merged", "undone")))
            .values(removed_at=None, removed_reason=None)
        )
    for sid in sources:
        children = payload.get("children", {}).get(str(sid), [])
        if children:
            conn.execute(
                codes.update()
                .where(codes.c.id.in_(children))
                .values(parent_id=sid if back else target)
            )
        conn.execute(
            codes.update().where(codes.c.id == sid).values(status="active" if back else "merged")
        )
    if back:  # code_changes knows rename, merge, split and move; taking one back is an event
        log_event(
            conn,
            study_id=study_id,
            action="unmerge",
            entity="code",
            entity_id=target,
            payload={"from": [target], "to": sources},
        )
    else:
        _record(conn, study_id, "merge", sources, [target])


def _correction(
    conn: sa.Connection, study_id: int, transcript_id: int, version: int, *, back: bool
) -> dict[str, Any]:
    """Put a corrected turn's text back (or the correction again) as a new correction; refused
    when the turn has changed since, so nobody's later words are overwritten."""
    from kvali.transcripts.editing import correct_turn

    u = undo_texts
    row = conn.execute(
        sa.select(u.c.position, u.c.before, u.c.after).where(
            u.c.transcript_id == transcript_id, u.c.version == version
        )
    ).first()
    if row is None:
        raise InputError("the text of this correction is no longer kept (pseudonymized since)")
    want, put = (row.after, row.before) if back else (row.before, row.after)
    now_text = conn.execute(
        sa.select(t.turns.c.text).where(
            t.turns.c.transcript_id == transcript_id, t.turns.c.position == row.position
        )
    ).scalar()
    if now_text != want:
        raise InputError(
            "turn {position} has changed since; undo it there by hand", position=row.position + 1
        )
    out = correct_turn(
        conn, study_id, transcript_id, row.position, put, reason="undo" if back else "redo"
    )
    return {
        "transcript_id": transcript_id,
        "position": row.position,
        "text": out["text"],
        "version": out["version"],
    }
