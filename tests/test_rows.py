"""The service helpers that make "every change appends an event" structural (events.service:
insert_logged, update_logged, delete_logged) and the one look-up-or-NotFound (db.rows), on
SQLite and PostgreSQL; and a guard that new services use them instead of writing the pair out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kvali
from kvali.db import schema as t
from kvali.db.rows import get_or_404
from kvali.errors import NotFoundError
from kvali.events.service import delete_logged, insert_logged, list_events, update_logged
from kvali.util import now


def _events(conn, sid, entity="memo"):
    return [
        (e["action"], e["entity_id"], e["payload"])
        for e in reversed(list_events(conn, study_id=sid, entity=entity))
    ]


def test_insert_logged_writes_the_row_and_its_event_together(study):
    project, sid = study
    with project.begin() as conn:
        mid = insert_logged(
            conn,
            t.memos,
            {"study_id": sid, "target_type": "study", "target_id": sid, "kind": "analytic",
             "title": "", "text": "first", "author": "Ann",
             "updated_at": now()},
            study_id=sid,
            entity="memo",
            payload={"kind": "analytic"},
        )  # fmt: skip
        row = get_or_404(conn, t.memos, mid, error=NotFoundError("no memo {memo_id}", memo_id=mid))
        assert row["text"] == "first" and len(row["guid"]) >= 32 and row["created_at"]
        assert _events(conn, sid) == [("create", mid, {"kind": "analytic"})]
    # Rolled back: neither the row nor its event stays.
    with pytest.raises(RuntimeError), project.begin() as conn:
        insert_logged(
            conn,
            t.codes,
            {"study_id": sid, "parent_id": None, "level": "theme", "name": "Gone",
             "description": "", "color": "#000000", "position": 0},
            study_id=sid,
            entity="code",
        )  # fmt: skip
        raise RuntimeError("abort")
    with project.begin() as conn:
        assert _events(conn, sid, "code") == []
        assert conn.execute(t.codes.select().where(t.codes.c.name == "Gone")).first() is None


def test_update_and_delete_log_only_what_changed(study):
    project, sid = study
    from kvali.memos.service import add_memo

    with project.begin() as conn:
        mid = add_memo(conn, sid, text="first")
        other = sid + 1000  # no such study: the extra condition matches nothing
        assert update_logged(conn, t.memos, mid, {}, study_id=sid, entity="memo") == 0
        assert (
            update_logged(
                conn,
                t.memos,
                mid,
                {"text": "x"},
                study_id=sid,
                entity="memo",
                where=[t.memos.c.study_id == other],
            )
            == 0
        )
        assert (
            update_logged(conn, t.memos, mid + 99, {"text": "x"}, study_id=sid, entity="memo") == 0
        )
        assert update_logged(conn, t.memos, mid, {"title": "T", "text": "second"}, study_id=sid,
                             entity="memo") == 1  # fmt: skip
        assert delete_logged(conn, t.memos, mid + 99, study_id=sid, entity="memo") == 0
        assert delete_logged(conn, t.memos, mid, study_id=sid, entity="memo") == 1
        assert [(a, p) for a, _, p in _events(conn, sid)] == [
            ("create", {"target_type": "study", "target_id": sid, "kind": "analytic"}),
            ("update", {"fields": ["text", "title"]}),
            ("delete", {}),
        ]


def test_get_or_404_raises_the_callers_error(study):
    project, sid = study
    from kvali.participants.service import add_participant, participant_id

    with project.begin() as conn:
        pid = add_participant(conn, sid, code="R1")
        row = get_or_404(
            conn, t.participants, match={"code": "R1"}, study_id=sid, error=NotFoundError("x")
        )
        assert row["id"] == pid == participant_id(conn, sid, "R1")
        with pytest.raises(NotFoundError) as exc:
            get_or_404(
                conn,
                t.participants,
                pid,
                study_id=sid + 1000,
                error=NotFoundError("no participant with code {code!r}", code="R1"),
            )
        assert str(exc.value) == "no participant with code 'R1'"
        with pytest.raises(NotFoundError, match="R9"):
            participant_id(conn, sid, "R9")


# Inserts written out by hand, and why each does not log its own row with insert_logged.
HAND_INSERTS = {
    "events/service.py": 1,  # insert_logged itself
    "studies/service.py": 1,  # create_study: the study's id is its own event's study_id
    "interviews/service.py": 1,  # user_id: users are created implicitly, as before (no event)
    "privacy/service.py": 1,  # entities made by detection; one event per transcript
    "analysis/blind.py": 1,  # the event is the transcript's (set_blind)
    "analysis/disagreements.py": 1,  # the event is the consensus coding's (resolve)
    "analysis/matrix.py": 1,  # the event is the framework item's (set_evidence)
    "analysis/frameworks/__init__.py": 1,  # add_item: covered by the framework's event
    "interop/refi/importer.py": 1,  # bulk import: one event for the whole project
    "pipelines/diarize/correct.py": 1,  # a turn split; the caller logs the reassignment
}


def test_services_insert_through_the_logged_helper():
    """A new ``insert … inserted_primary_key`` followed by ``log_event`` should be
    ``insert_logged``; this fails on any hand-written insert not listed above with its reason."""
    src = Path(kvali.__file__).parent
    found = {}
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src).as_posix()
        if rel.startswith("db/migrations/"):
            continue
        n = len(re.findall(r"inserted_primary_key", path.read_text(encoding="utf-8")))
        if n:
            found[rel] = n
    assert found == HAND_INSERTS
