"""Transcript import through the service, text edits and offset arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kvali.errors import InputError
from kvali.transcripts.offsets import Edit, apply_edits, check_edits, layout, map_span
from tests.conftest import snapshot
from tests.helpers import TRANSCRIPT_1, mini_study, write


def test_import_maps_labels_to_roles_and_participant(study, tmp_path):
    from kvali.transcripts.service import get_text, get_turns

    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        turns = get_turns(conn, ids["t1"])
        text = get_text(conn, ids["t1"])
    assert [t["role"] for t in turns[:3]] == ["interviewer", "participant", "interviewer"]
    assert turns[1]["participant_id"] is not None and turns[0]["participant_id"] is None
    assert turns[1]["start_ms"] == 9000 and turns[1]["end_ms"] == 31000
    for t in turns:  # offsets address the joined text exactly
        assert text[t["start_char"] : t["end_char"]] == t["text"]


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("bad.vtt", "WEBVTT\n\n00:00:01.000 --> nonsense\n<v Kari>Hei\n", "bad.vtt:3"),
        ("bad.json", '{"kvali_transcript": 1, "turns": [{"speaker": "I"}]}', "bad.json"),
        ("bad.txt", "Dette er tekst uten noen talerbetegnelse i det hele tatt\n", "bad.txt:1"),
    ],
)
def test_bad_transcript_names_file_and_line_and_writes_nothing(
    study, tmp_path, name, content, where
):
    from kvali.interviews.service import add_interview
    from kvali.transcripts.service import import_transcript

    project, sid = study
    with project.begin() as conn:
        add_interview(conn, sid, label="Intervju 1")
    before = snapshot(project)
    with pytest.raises(InputError) as exc, project.begin() as conn:
        import_transcript(conn, sid, "Intervju 1", write(tmp_path, name, content))
    assert where in str(exc.value)
    assert snapshot(project) == before


def test_replacing_a_coded_transcript_is_refused(study, tmp_path):
    from kvali.codings.service import code_quote
    from kvali.transcripts.service import import_transcript

    project, sid = study
    mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        code_quote(conn, sid, interview="Intervju 1", code="Tid", quote="Tid er alt.")
    with pytest.raises(InputError, match="codings"), project.begin() as conn:
        import_transcript(
            conn, sid, "Intervju 1", write(tmp_path, "x.txt", TRANSCRIPT_1), replace=True
        )


def test_edit_moves_codings_in_every_cycle(study, tmp_path):
    from kvali.codings.cycles import start_cycle
    from kvali.codings.service import code_quote, list_codings
    from kvali.transcripts.service import edit_text, get_text, get_turns

    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        code_quote(conn, sid, interview="Intervju 1", code="Tid", quote="Tid er alt.")
        code_quote(
            conn,
            sid,
            interview="Intervju 1",
            code="Faglig påfyll",
            quote="Ingrid Berg på Fjellvang skole",
        )
        start_cycle(conn, sid)
        text = get_text(conn, ids["t1"])
        s = text.index("Ingrid Berg")
        f = text.index("Fjellvang skole")
        result = edit_text(
            conn,
            sid,
            ids["t1"],
            [
                Edit(s, s + len("Ingrid Berg"), "xxx (navn på ansatt)"),
                Edit(f, f + len("Fjellvang skole"), "xxx (navn på skole)"),
                Edit(
                    text.index("For meg"), text.index("For meg") + 7, "For"
                ),  # an earlier, shorter edit
            ],
            reason="pseudonymization",
        )
        new_text = get_text(conn, ids["t1"])
        cycle1 = list_codings(conn, sid, cycle=1)
        cycle2 = list_codings(conn, sid)
        turns = get_turns(conn, ids["t1"])
    assert result["codings_moved"] == 4
    for rows in (cycle1, cycle2):
        assert {r["text"] for r in rows} == {
            "Tid er alt.",
            "xxx (navn på ansatt) på xxx (navn på skole)",
        }
    assert "Ingrid" not in new_text
    assert [t["start_ms"] for t in turns] == [2000, 9000, 31000, 33000, 52000, 55000]
    for t in turns:
        assert new_text[t["start_char"] : t["end_char"]] == t["text"]


def test_edit_that_deletes_coded_text_marks_coding_removed(study, tmp_path):
    from kvali.codings.service import code_quote, list_codings
    from kvali.transcripts.service import edit_text, get_text

    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        code_quote(conn, sid, interview="Intervju 1", code="Tid", quote="Tid er alt.")
        text = get_text(conn, ids["t1"])
        s = text.index(" Tid er alt.")
        result = edit_text(conn, sid, ids["t1"], [Edit(s, s + len(" Tid er alt."), "")])
        rows = list_codings(conn, sid, include_removed=True)
    assert result["codings_removed"] == 1
    assert rows[0]["removed_reason"] == "text_deleted"


def test_edit_across_turns_is_refused(study, tmp_path):
    from kvali.transcripts.service import edit_text, get_text

    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        text = get_text(conn, ids["t1"])
        nl = text.index("\n")
        with pytest.raises(InputError, match="turn boundary"):
            edit_text(conn, sid, ids["t1"], [Edit(nl - 2, nl + 2, "x")])


def test_layout_spans():
    assert layout(["ab", "", "cde"]) == [(0, 2), (3, 3), (4, 7)]


@st.composite
def text_and_edits(draw):
    text = draw(st.text(alphabet="abcæøå \n", min_size=1, max_size=60))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits, prev = [], 0
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        if a >= prev:
            edits.append(Edit(a, b, draw(st.text(alphabet="XY", max_size=5))))
            prev = b if b > a else b + 1
    return text, [e for e in edits if e.end <= len(text)]


@given(text_and_edits(), st.data())
def test_spans_outside_edits_keep_their_text(te, data):
    """A span that no edit touches still addresses the same characters after the edits."""
    text, edits = te
    edits = check_edits(edits, len(text))
    new = apply_edits(text, edits)
    s = data.draw(st.integers(0, len(text) - 1))
    e = data.draw(st.integers(s + 1, len(text)))
    mapped = map_span(s, e, edits)
    untouched = all(ed.end <= s or ed.start >= e for ed in edits) and not any(
        ed.start == ed.end and s < ed.start < e for ed in edits
    )
    if untouched:
        assert mapped is not None and new[mapped[0] : mapped[1]] == text[s:e]
    if mapped is not None:
        assert 0 <= mapped[0] < mapped[1] <= len(new)
