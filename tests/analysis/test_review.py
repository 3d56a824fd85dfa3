"""Blind mode, side-by-side disagreements and consensus with history."""

from __future__ import annotations

import pytest

from kvali.analysis.blind import blind_state, code_as, mark_done, set_blind, visible_codings
from kvali.analysis.disagreements import disagreements, history, resolve
from kvali.codings.service import list_codings
from kvali.errors import InputError, KvaliError
from tests.helpers import mini_study


def _setup(study, tmp_path):
    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        set_blind(conn, sid, ids["t1"], coders=["Ann", "Bo"])
        for coder, code, s, e in [
            ("Ann", ids["share"], 100, 140),
            ("Bo", ids["share"], 100, 140),
            ("Ann", ids["time"], 200, 230),
            ("Bo", ids["time"], 205, 235),
            ("Ann", ids["share"], 250, 270),
            ("Bo", ids["net"], 250, 270),
            ("Bo", ids["net"], 300, 320),
        ]:
            code_as(conn, sid, transcript_id=ids["t1"], code=code, start=s, end=e, coder=coder)
    return project, sid, ids


def test_blind_until_both_done(study, tmp_path):
    project, sid, ids = _setup(study, tmp_path)
    with project.begin() as conn:
        assert {r["coder"] for r in visible_codings(conn, sid, ids["t1"], viewer="Ann")} == {"Ann"}
        assert len(visible_codings(conn, sid, ids["t1"], viewer="Bo")) == 4
        assert visible_codings(conn, sid, ids["t1"], viewer="Supervisor") == []
        state = mark_done(conn, sid, ids["t1"], coder="Ann")
        assert state["blind"] and not state["open"]
        assert len(visible_codings(conn, sid, ids["t1"], viewer="Ann")) == 3
        with pytest.raises(KvaliError):
            mark_done(conn, sid, ids["t1"], coder="Stranger")
        state = mark_done(conn, sid, ids["t1"], coder="Bo")
        assert state["open"] and state["opened_at"]
        assert len(visible_codings(conn, sid, ids["t1"], viewer="Ann")) == 7
        with pytest.raises(InputError):
            set_blind(conn, sid, ids["t1"], coders=["Ann", "Bo"])
        assert blind_state(conn, sid, ids["t2"])["blind"] is False


def test_no_comparison_while_the_round_is_open(study, tmp_path):
    """The blind rule in the services: neither the side-by-side nor agreement shows a round
    before every coder is done."""
    from kvali.analysis.agreement import agreement

    project, sid, ids = _setup(study, tmp_path)
    with project.begin() as conn:
        with pytest.raises(InputError, match="still being coded blind"):
            disagreements(conn, sid, interview="Intervju 1", coders=["Ann", "Bo"])
        result = agreement(conn, sid, coders=["Ann", "Bo"], interview="Intervju 1")
        assert result["transcripts"] == [] and result["held_back"] == ["Intervju 1"]
        mark_done(conn, sid, ids["t1"], coder="Ann")
        mark_done(conn, sid, ids["t1"], coder="Bo")
        assert disagreements(conn, sid, interview="Intervju 1", coders=["Ann", "Bo"])
        result = agreement(conn, sid, coders=["Ann", "Bo"], interview="Intervju 1")
        assert [t["interview"] for t in result["transcripts"]] == ["Intervju 1"]
        assert result["held_back"] == []


def test_disagreement_kinds_and_consensus_history(study, tmp_path):
    project, sid, ids = _setup(study, tmp_path)
    with project.begin() as conn:
        mark_done(conn, sid, ids["t1"], coder="Ann")
        mark_done(conn, sid, ids["t1"], coder="Bo")
        items = disagreements(conn, sid, interview="Intervju 1", coders=["Ann", "Bo"])
        assert [i["kind"] for i in items] == ["boundary", "code", "only_b"]
        assert (
            len(
                disagreements(
                    conn, sid, interview="Intervju 1", coders=["Ann", "Bo"], include_agreements=True
                )
            )
            == 4
        )
        boundary = items[0]
        replace = [c["id"] for c in boundary["a"] + boundary["b"]]
        with pytest.raises(InputError):  # a disagreement needs a memo
            resolve(
                conn,
                sid,
                transcript_id=ids["t1"],
                replace=replace,
                consensus=[{"code": ids["time"], "start": 200, "end": 235}],
            )
        out = resolve(
            conn,
            sid,
            transcript_id=ids["t1"],
            replace=replace,
            consensus=[{"code": ids["time"], "start": 200, "end": 235}],
            memo="The whole sentence is about time.",
        )
        assert out["memo_id"]
        removed = [
            r
            for r in list_codings(conn, sid, interview="Intervju 1", include_removed=True)
            if r["id"] in replace
        ]
        assert {r["removed_reason"] for r in removed} == {"consensus"}
        assert {r["coder"] for r in removed} == {"Ann", "Bo"}
        (h,) = history(conn, sid, interview="Intervju 1")
        assert len(h["replaced"]) == 2 and h["consensus"][0]["start_char"] == 200
        left = disagreements(conn, sid, interview="Intervju 1", coders=["Ann", "Bo"])
        assert [i["kind"] for i in left] == ["code", "only_b"]
