"""Word timestamps stay aligned with the text (and codings move) after a correction."""

from __future__ import annotations

from kvali.codes.service import create_code
from kvali.codings.service import code_quote
from kvali.interviews.service import add_interview
from kvali.pipelines.stt.job import store_transcription
from kvali.pipelines.words import get_words
from kvali.transcripts.offsets import Edit
from kvali.transcripts.service import delete_turns, edit_text, get_text, get_turns


def _words(text: str, start: int) -> list[dict]:
    return [
        {
            "text": w,
            "start_ms": start + 400 * i,
            "end_ms": start + 400 * i + 300,
            "probability": 0.9,
        }
        for i, w in enumerate(text.split())
    ]


def _store(conn, sid) -> int:  # noqa: ANN001
    add_interview(conn, sid, label="I1")
    turns = [
        {
            "speaker": "S1",
            "role": "interviewer",
            "start_ms": 0,
            "end_ms": 1500,
            "text": "How do you learn?",
        },
        {
            "speaker": "S2",
            "role": "participant",
            "start_ms": 2000,
            "end_ms": 5000,
            "text": "We meat every Tuesday and share experience.",
        },
    ]
    for t in turns:
        t["words"] = _words(t["text"], t["start_ms"])
    return store_transcription(
        conn, sid, "I1", turns, language="en", source="x.wav", provenance={"model": "test"}
    )


def test_correction_keeps_words_and_codings_aligned(study) -> None:
    project, sid = study
    with project.begin() as conn:
        tid = _store(conn, sid)
        create_code(conn, sid, name="Routine")
        code_quote(conn, sid, interview="I1", code="Routine", quote="share experience")
        before = {w["text"]: w for w in get_words(conn, tid)}
        assert before["meat"]["start_ms"] == 2400
        text = get_text(conn, tid)
        at = text.index("meat")
        edit_text(conn, sid, tid, [Edit(at, at + 4, "meet"), Edit(0, 3, "So how")])
        words = get_words(conn, tid)
        text = get_text(conn, tid)
        assert [w["text"] for w in words][:3] == ["So how", "do", "you"]
        by_text = {w["text"]: w for w in words}
        assert by_text["meet"]["start_ms"] == 2400 and "meat" not in by_text
        assert by_text["experience."]["start_ms"] == before["experience."]["start_ms"]
        assert all(text[w["start_char"] : w["end_char"]] == w["text"] for w in words)
        from kvali.db import schema as t

        s, e = conn.execute(
            t.codings.select().with_only_columns(t.codings.c.start_char, t.codings.c.end_char)
        ).one()
        assert text[s:e] == "share experience"
        # a deleted word loses its timestamps; the rest still match after a second edit
        at = text.index("every ")
        edit_text(conn, sid, tid, [Edit(at, at + 6, "")])
        words = get_words(conn, tid)
        text = get_text(conn, tid)
        assert "every" not in [w["text"] for w in words]
        assert all(text[w["start_char"] : w["end_char"]] == w["text"] for w in words)


def test_withdrawn_turns_take_their_words(study) -> None:
    project, sid = study
    with project.begin() as conn:
        tid = _store(conn, sid)
        first = get_turns(conn, tid)[0]["id"]
        delete_turns(conn, sid, tid, [first])
        words = get_words(conn, tid)
        text = get_text(conn, tid)
        assert words[0]["text"] == "We" and words[0]["start_char"] == 0
        assert all(text[w["start_char"] : w["end_char"]] == w["text"] for w in words)
