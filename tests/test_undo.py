"""Undo and redo on the append-only event log (events.undo): coding actions and corrections."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kvali.codes.service import code_id, merge_codes
from kvali.codings import service as codings
from kvali.db import schema as t
from kvali.errors import InputError
from kvali.events.service import set_actor
from kvali.events.tables import undo_texts
from kvali.events.undo import redo, undo, undo_state
from kvali.transcripts.editing import correct_turn
from kvali.transcripts.offsets import Edit
from kvali.transcripts.service import edit_text, get_turns
from tests.helpers import mini_study

ME = "Forsker A"


@pytest.fixture
def setup(study, tmp_path):
    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    set_actor(ME)
    yield project, sid, ids
    set_actor(None)


def live(conn, tid):
    c = t.codings
    q = sa.select(c.c.id, c.c.code_id, c.c.is_gold).where(
        c.c.transcript_id == tid, c.c.removed_at.is_(None)
    )
    return sorted(tuple(r) for r in conn.execute(q))


def n_events(conn):
    return conn.execute(sa.select(sa.func.count()).select_from(t.events)).scalar()


def test_undo_redo_add_remove_gold_recode(setup):
    project, sid, ids = setup
    with project.begin() as conn:
        tid = ids["t1"]
        assert undo(conn, sid, ME)["kind"] is None  # nothing yet
        a = codings.add_coding(conn, sid, transcript_id=tid, code="Tid", start=0, end=5, coder=ME)
        codings.set_gold(conn, sid, a, True)
        b = codings.recode(conn, sid, a, code="Deler erfaringer")
        assert undo_state(conn, sid, ME) == {"undo": "change of code", "redo": None}
        before = n_events(conn)
        out = undo(conn, sid, ME)  # the recode
        assert out["message"] == "Undone: change of code" and out["coding_id"] == a
        assert live(conn, tid) == [(a, ids["time"], True)]
        assert n_events(conn) > before  # appended, never deleted
        undo(conn, sid, ME)  # the gold flag
        assert live(conn, tid) == [(a, ids["time"], False)]
        undo(conn, sid, ME)  # the coding itself
        assert live(conn, tid) == []
        assert undo(conn, sid, ME)["kind"] is None
        assert undo_state(conn, sid, ME)["redo"] == "coding added"
        redo(conn, sid, ME)
        redo(conn, sid, ME)
        redo(conn, sid, ME)
        assert live(conn, tid) == [(b, ids["share"], True)]
        assert redo(conn, sid, ME)["kind"] is None
        # Remove, undo: the same row comes back; a new change ends redo.
        codings.remove_coding(conn, sid, b)
        undo(conn, sid, ME)
        assert live(conn, tid) == [(b, ids["share"], True)]
        undo(conn, sid, ME)  # the recode again
        codings.add_coding(conn, sid, transcript_id=tid, code="Tid", start=6, end=9, coder=ME)
        assert undo_state(conn, sid, ME)["redo"] is None
        # The log holds every step, and undo markers point at what they took back.
        markers = conn.execute(
            sa.select(t.events.c.action).where(t.events.c.entity == "event")
        ).scalars()
        assert list(markers) == ["undo"] * 3 + ["redo"] * 3 + ["undo", "undo"]


def test_undo_is_per_researcher(setup):
    project, sid, ids = setup
    with project.begin() as conn:
        set_actor("Forsker B")
        codings.add_coding(conn, sid, transcript_id=ids["t1"], code="Tid", start=0, end=5)
        set_actor(ME)
        assert undo(conn, sid, ME)["kind"] is None
        assert len(live(conn, ids["t1"])) == 1
        assert undo(conn, sid, "Forsker B")["kind"] == "create"
        assert live(conn, ids["t1"]) == []


def test_undo_merge_of_codes(setup):
    project, sid, ids = setup
    with project.begin() as conn:
        tid = ids["t1"]
        a = codings.add_coding(conn, sid, transcript_id=tid, code="Tid", start=0, end=5, coder=ME)
        merge_codes(conn, sid, ["Deling"], "Nettverk")  # a category with two codes under it
        rows = conn.execute(sa.select(t.codes.c.id, t.codes.c.parent_id, t.codes.c.status)).all()
        assert {r.id: r.status for r in rows}[ids["cat"]] == "merged"
        assert undo(conn, sid, ME)["message"] == "Undone: merge of codes"
        after = {r.id: (r.parent_id, r.status) for r in conn.execute(sa.select(t.codes)).all()}
        assert after[ids["cat"]] == (ids["theme"], "active")
        assert after[ids["time"]][0] == ids["cat"] and after[ids["share"]][0] == ids["cat"]
        assert live(conn, tid) == [(a, ids["time"], False)]
        redo(conn, sid, ME)
        assert code_id(conn, sid, "Nettverk/Tid") == ids["time"]
        assert (
            conn.execute(sa.select(t.codes.c.status).where(t.codes.c.id == ids["cat"])).scalar()
            == "merged"
        )


def test_undo_merge_that_moved_codings(setup):
    project, sid, ids = setup
    with project.begin() as conn:
        tid = ids["t1"]
        a = codings.add_coding(conn, sid, transcript_id=tid, code="Tid", start=0, end=5, coder=ME)
        merge_codes(conn, sid, ["Tid"], "Faglig påfyll")
        [(moved, code, _g)] = live(conn, tid)
        assert moved != a and code == ids["net"]
        undo(conn, sid, ME)
        assert live(conn, tid) == [(a, ids["time"], False)]
        redo(conn, sid, ME)
        assert live(conn, tid) == [(moved, ids["net"], False)]


def test_undo_a_correction_and_refuse_over_later_words(setup):
    project, sid, ids = setup
    with project.begin() as conn:
        tid = ids["t1"]
        first = get_turns(conn, tid)[0]["text"]
        correct_turn(conn, sid, tid, 0, first + " (rettet)")
        out = undo(conn, sid, ME)
        assert out["position"] == 0 and out["text"] == first
        assert get_turns(conn, tid)[0]["text"] == first
        out = redo(conn, sid, ME)
        assert get_turns(conn, tid)[0]["text"] == first + " (rettet)" == out["text"]
        # Someone changed the turn since: undo refuses rather than overwrite their words.
        set_actor("Forsker B")
        correct_turn(conn, sid, tid, 0, "Noe helt annet.")
        set_actor(ME)
        out = undo(conn, sid, ME)
        assert out["kind"] is None and "turn 1 has changed since" in out["message"]
        assert out["message"].startswith("Cannot undo the correction of the text")
        assert get_turns(conn, tid)[0]["text"] == "Noe helt annet."
        # Skipped, not stuck: undo goes on with the change before (here: none left).
        assert undo(conn, sid, ME)["message"] == "Nothing to undo"
        assert undo_state(conn, sid, ME) == {"undo": None, "redo": None}


def test_kept_text_goes_when_the_text_is_replaced_for_privacy(setup):
    project, sid, ids = setup
    with project.begin() as conn:
        tid = ids["t1"]
        text = get_turns(conn, tid)[0]["text"]
        correct_turn(conn, sid, tid, 0, text + " Ola")
        assert conn.execute(sa.select(sa.func.count()).select_from(undo_texts)).scalar() == 1
        edit_text(conn, sid, tid, [Edit(0, 1, "X")], reason="pseudonymization")
        assert conn.execute(sa.select(sa.func.count()).select_from(undo_texts)).scalar() == 0
        assert "no longer kept" in undo(conn, sid, ME)["message"]


def test_a_refused_step_leaves_nothing_half_done(setup):
    """Undo of a change of code whose old code was merged away since: the new coding must not
    be closed while the old one cannot come back (the savepoint rolls the step back)."""
    project, sid, ids = setup
    with project.begin() as conn:
        tid = ids["t1"]
        a = codings.add_coding(conn, sid, transcript_id=tid, code="Tid", start=0, end=5, coder=ME)
        b = codings.recode(conn, sid, a, code="Deler erfaringer")
        set_actor("Forsker B")
        merge_codes(conn, sid, ["Tid"], "Faglig påfyll")  # the old code is gone
        set_actor(ME)
        out = undo(conn, sid, ME)
        assert out["kind"] is None and "cannot take new codings" in out["message"]
        assert live(conn, tid) == [(b, ids["share"], False)]
        with pytest.raises(InputError):
            codings.restore_coding(conn, sid, a)
