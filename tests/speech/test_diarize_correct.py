"""Correcting speakers in one action, and the interviewer proposed from who asks (issue 19)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kvali.cli import cli
from kvali.codes.service import create_code
from kvali.codings.service import add_coding
from kvali.errors import InputError
from kvali.events.service import list_events
from kvali.guides.service import add_node
from kvali.interviews.service import add_interview
from kvali.participants.service import add_participant
from kvali.pipelines.diarize.correct import reassign_span
from kvali.pipelines.diarize.roles import propose_roles, set_roles
from kvali.pipelines.stt.job import store_transcription
from kvali.pipelines.talkstats import BackchannelMatcher, interview_stats
from kvali.pipelines.words import get_words
from kvali.transcripts.service import get_text, get_turns, transcript_id_for

R_TEXT = "Vi deler erfaringer fra egen praksis. Ja. Og vi lærer sammen hver uke."
WORDS_R = [w for w in R_TEXT.split(" ")]


def _transcribed(conn, sid):  # noqa: ANN001, ANN202
    """A transcript as the transcribe job stores it: two turns, word timestamps; the
    interviewer's «Ja.» ended up inside the participant's turn."""
    add_participant(conn, sid, code="R1")
    add_interview(conn, sid, label="I1", participants=["R1"], interviewers=["A"])
    q = "Hvordan deler dere erfaringer?"
    words_q = [{"text": w, "start_ms": 500 + 300 * i, "end_ms": 750 + 300 * i}
               for i, w in enumerate(q.split(" "))]  # fmt: skip
    words_r = [{"text": w, "start_ms": 3000 + 400 * i, "end_ms": 3300 + 400 * i}
               for i, w in enumerate(WORDS_R)]  # fmt: skip
    turns = [
        {"speaker": "Speaker 1", "role": "interviewer", "start_ms": 500, "end_ms": 1650,
         "text": q, "words": words_q},
        {"speaker": "Speaker 2", "role": "participant", "start_ms": 3000,
         "end_ms": words_r[-1]["end_ms"], "text": R_TEXT, "words": words_r},
    ]  # fmt: skip
    return store_transcription(conn, sid, "I1", turns, language="nb", source="x.wav", provenance={})


def test_a_stretch_of_words_changes_speaker_and_turns_follow(study) -> None:  # noqa: ANN001
    project, sid = study
    with project.begin() as conn:
        tid = _transcribed(conn, sid)
        text = get_text(conn, tid)
        create_code(conn, sid, name="Deling")
        a = text.index("egen praksis")
        b = text.index("lærer sammen")
        c1 = add_coding(conn, sid, transcript_id=tid, code="Deling", start=a, end=a + 12)
        c2 = add_coding(conn, sid, transcript_id=tid, code="Deling", start=b, end=b + 12)
        before = interview_stats(get_turns(conn, tid), BackchannelMatcher(["ja"]))
        ja = text.index("Ja.")
        # «a» of «Ja»: widened to the whole word
        r = reassign_span(conn, sid, tid, ja + 1, ja + 2, speaker="Speaker 1")
        assert r == {"start_char": ja, "end_char": ja + 3, "turns": 1, "split": 2,
                     "merged": 0, "role": "interviewer"}  # fmt: skip
        turns = get_turns(conn, tid)
        assert [(x["speaker"], x["role"], x["text"]) for x in turns] == [
            ("Speaker 1", "interviewer", "Hvordan deler dere erfaringer?"),
            ("Speaker 2", "participant", "Vi deler erfaringer fra egen praksis."),
            ("Speaker 1", "interviewer", "Ja."),
            ("Speaker 2", "participant", "Og vi lærer sammen hver uke."),
        ]
        assert turns[2]["participant_id"] is None and turns[3]["participant_id"] is not None
        # times from the words: «Ja.» is word 7 of the participant's 13
        assert (turns[2]["start_ms"], turns[2]["end_ms"]) == (3000 + 400 * 6, 3300 + 400 * 6)
        assert turns[1]["end_ms"] == 3300 + 400 * 5 and turns[3]["start_ms"] == 3000 + 400 * 7
        new_text = get_text(conn, tid)
        assert len(new_text) == len(text) and new_text.replace("\n", " ") == text.replace("\n", " ")
        spans = {
            cid: (s, e)
            for cid, s, e in conn.execute(
                __import__("sqlalchemy").text(
                    "SELECT id, start_char, end_char FROM codings ORDER BY id"
                )
            )
        }
        assert new_text[slice(*spans[c1])] == "egen praksis"
        assert new_text[slice(*spans[c2])] == "lærer sammen"
        words = get_words(conn, tid)
        by_turn = {x["id"]: x for x in turns}
        assert all(by_turn[w["turn_id"]]["start_char"] <= w["start_char"] for w in words)
        assert [w["text"] for w in words if w["turn_id"] == turns[2]["id"]] == ["Ja."]
        after = interview_stats(get_turns(conn, tid), BackchannelMatcher(["ja"]))
        assert before["turns"] == 2 and after["turns"] == 4
        assert (
            after["interviewer_backchannels"] == 1 == after["roles"]["interviewer"]["backchannels"]
        )
        # the whole turn back to the participant: merged into one turn again
        r = reassign_span(conn, sid, tid, turns[2]["start_char"], turns[2]["end_char"],
                          speaker="Speaker 2")  # fmt: skip
        assert r["merged"] == 2
        turns = get_turns(conn, tid)
        assert [x["text"] for x in turns] == ["Hvordan deler dere erfaringer?", R_TEXT]
        assert turns[1]["end_ms"] == 3300 + 400 * 12 and get_text(conn, tid) == text
        actions = [e["action"] for e in list_events(conn, study_id=sid)]
        assert actions.count("reassign_speaker") == 2
        with pytest.raises(InputError, match="outside the text"):
            reassign_span(conn, sid, tid, 0, 10_000, speaker="Speaker 1")
        with pytest.raises(InputError, match="role must be one of"):
            reassign_span(conn, sid, tid, 0, 5, speaker="Speaker 1", role="boss")


def test_interviewer_proposed_from_questions_then_confirmed(study) -> None:  # noqa: ANN001
    project, sid = study
    with project.begin() as conn:
        add_participant(conn, sid, code="R1")
        add_interview(conn, sid, label="I1", participants=["R1"])
        topic = add_node(conn, sid, text="Samarbeid")
        add_node(conn, sid, text="Hvordan samarbeider lærerne på skolen?", parent_id=topic)
        # The interviewer talks longest here (long questions), so speaking time alone would
        # make them the participant.
        turns = [
            ("A", "Jeg lurer på noe som vi har snakket om i mange sammenhenger, nemlig "
                  "hvordan samarbeider lærerne på skolen, og hva betyr det for dere?"),
            ("B", "Vi møtes hver tirsdag."),
            ("A", "Mange rektorer forteller at nettverket i regionen gir nye ideer og "
                  "inspirasjon til arbeidet, hvordan opplever du nettverket?"),
            ("B", "Det gir oss mye."),
        ]  # fmt: skip
        from kvali.transcripts.service import save_transcript

        tid = save_transcript(
            conn, sid, "I1", language="nb",
            turns=[{"speaker": s, "role": "participant", "text": x} for s, x in turns],
        )  # fmt: skip
        p = propose_roles(conn, sid, tid)
        assert p["interviewer"] == "A" and p["changes"] == 1
        a = next(r for r in p["speakers"] if r["speaker"] == "A")
        assert a["questions"] == 2 and a["guide_questions"] == 1
        assert get_turns(conn, tid)[0]["role"] == "participant"  # nothing changed yet
    runner = CliRunner()
    base = ["-p", str(project.path), "diarization", "roles", "I1"]
    shown = runner.invoke(cli, base)
    assert shown.exit_code == 0 and "interviewer" in shown.output and "--confirm" in shown.output
    done = runner.invoke(cli, [*base, "--confirm", "--json"])
    assert done.exit_code == 0, done.output
    with project.begin() as conn:
        turns = get_turns(conn, transcript_id_for(conn, sid, "I1"))
        assert [x["role"] for x in turns] == ["interviewer", "participant"] * 2
        assert turns[0]["participant_id"] is None and turns[1]["participant_id"] is not None
        set_roles(conn, sid, turns[0]["transcript_id"], {"B": "other"})
        assert get_turns(conn, turns[0]["transcript_id"])[1]["role"] == "other"
    wrong = runner.invoke(cli, [*base, "--set", "C=interviewer"])
    assert wrong.exit_code == 3 and "no speaker 'C'" in wrong.output


def test_cli_reassigns_words_of_a_turn(study) -> None:  # noqa: ANN001
    project, sid = study
    with project.begin() as conn:
        _transcribed(conn, sid)
    runner = CliRunner()
    base = ["-p", str(project.path), "diarization", "reassign", "I1", "2", "Speaker 1"]
    r = runner.invoke(cli, [*base, "--words", "7-7"])
    assert r.exit_code == 0, r.output
    with project.begin() as conn:
        turns = get_turns(conn, transcript_id_for(conn, sid, "I1"))
    assert [x["text"] for x in turns][2] == "Ja."
    r = runner.invoke(cli, [*base[:-2], "4", "Speaker 1", "--quote", "hver uke."])
    assert r.exit_code == 0, r.output
    with project.begin() as conn:
        turns = get_turns(conn, transcript_id_for(conn, sid, "I1"))
    assert [x["text"] for x in turns][-2:] == ["Og vi lærer sammen", "hver uke."]
    bad = runner.invoke(cli, [*base, "--words", "9-40"])
    assert bad.exit_code == 2 and "words 9-40" in bad.output
