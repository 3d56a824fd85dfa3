"""Withdrawal erases every trace; member check exports the participant's transcript."""

from __future__ import annotations

import sqlalchemy as sa

from kvali.db.tables import all_metadata
from tests.helpers import mini_study, write

SECRET = "Uten tid blir det ingenting av det"  # only in R1's interview


def _db_text(project) -> str:
    """Every value of every table as one string (what a search of the database would see)."""
    parts = []
    with project.begin() as conn:
        for table in all_metadata().sorted_tables:
            for row in conn.execute(sa.select(table)):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def _folder_bytes(project) -> bytes:
    return b"".join(p.read_bytes() for p in project.path.rglob("*") if p.is_file())


def test_withdraw_erases_interview_codings_memos_files_and_exports(study, tmp_path):
    from kvali.codings.cycles import start_cycle
    from kvali.codings.service import code_quote
    from kvali.interviews.media import store_media
    from kvali.interviews.service import interview_id, update_interview
    from kvali.memos.service import add_memo
    from kvali.participants.member_check import export_member_check
    from kvali.participants.service import list_participants
    from kvali.participants.withdrawal import withdraw_participant
    from kvali.reports.service import write_study_reports
    from kvali.studies.service import stats

    project, sid = study
    mini_study(project, sid, tmp_path)
    audio = write(tmp_path, "opptak.wav", "RIFF fake audio " + SECRET)
    consent = project.path / "media" / "samtykke-R1.txt"
    consent.write_text("Signert av Kari", encoding="utf-8")
    with project.begin() as conn:
        update_interview(conn, sid, "Intervju 1", audio_path=store_media(project, audio))
        from kvali.participants.service import set_consent

        set_consent(conn, sid, "R1", consent_date=None, document="media/samtykke-R1.txt")
        c = code_quote(conn, sid, interview="Intervju 1", code="Tid", quote=SECRET + ".", gold=True)
        code_quote(
            conn, sid, interview="Intervju 2", code="Tid", quote="Tid er alltid en utfordring."
        )
        add_memo(conn, sid, text="Kari sier " + SECRET, target_type="coding", target_id=c)
        add_memo(
            conn,
            sid,
            text="Intervjuet med Kari",
            target_type="interview",
            target_id=interview_id(conn, sid, "Intervju 1"),
        )
        start_cycle(conn, sid)
    export_member_check(project, sid, "R1")
    write_study_reports(project, formats=["md", "html", "json"])
    assert SECRET.encode() in _folder_bytes(project)

    result = withdraw_participant(project, sid, "R1")

    assert result["interviews_deleted"] == ["Intervju 1"]
    assert result["turns"] == 6 and result["codings"] == 2 and result["memos"] == 2
    assert any(f.startswith("media/") for f in result["files"])
    assert any(f.startswith("exports/member-check") for f in result["files"])
    for needle in (SECRET, "Fjellvang", "Kari", "skoletype=barneskole"):
        assert needle not in _db_text(project)
        assert needle.encode() not in _folder_bytes(project), needle
    with project.begin() as conn:
        counts = stats(conn, sid)
        people = {p["code"]: p for p in list_participants(conn, sid)}
    assert counts["interviews"] == 1 and counts["codings"] == 1
    assert (
        people["R1"]["withdrawn"]
        and people["R1"]["attributes"] == {}
        and people["R1"]["consent_document"] is None
    )
    assert not people["R2"]["withdrawn"]


def test_withdraw_from_group_interview_removes_only_their_turns(study, tmp_path):
    from kvali.codings.service import code_quote, list_codings
    from kvali.interviews.service import add_interview
    from kvali.participants.service import add_participant
    from kvali.participants.withdrawal import withdraw_participant
    from kvali.transcripts.service import get_text, get_turns, import_transcript, transcript_id_for

    project, sid = study
    mini_study(project, sid, tmp_path)
    group = write(
        tmp_path,
        "g.txt",
        "I: Hva er PLF?\nR1: Hemmelig svar fra R1 om Fjellvang.\n"
        "R3: Det er samarbeid om elevenes læring.\nR1: Enda et svar.\nR3: Og tillit.\n",
    )
    with project.begin() as conn:
        add_participant(conn, sid, code="R3")
        add_interview(conn, sid, label="Gruppe", participants=["R1", "R3"])
        import_transcript(conn, sid, "Gruppe", group)
        code_quote(conn, sid, interview="Gruppe", code="Tid", quote="Hemmelig svar")
        code_quote(
            conn, sid, interview="Gruppe", code="Samskaping", quote="samarbeid om elevenes læring"
        )
        code_quote(conn, sid, interview="Gruppe", code="Deling", quote="Og tillit.")
    result = withdraw_participant(project, sid, "R1")
    assert result["interviews_with_turns_removed"] == ["Gruppe"]
    with project.begin() as conn:
        tid = transcript_id_for(conn, sid, "Gruppe")
        text = get_text(conn, tid)
        turns = get_turns(conn, tid)
        rows = list_codings(conn, sid, interview="Gruppe")
    assert [t["speaker"] for t in turns] == ["I", "R3", "R3"]
    assert "Hemmelig" not in text
    assert sorted(r["text"] for r in rows) == ["Og tillit.", "samarbeid om elevenes læring"]
    assert b"Hemmelig" not in _folder_bytes(project)


def test_member_check_export_and_record(study, tmp_path):
    from kvali.interop.transcripts import parse_transcript
    from kvali.participants.member_check import export_member_check
    from kvali.participants.service import get_participant, record_member_check

    project, sid = study
    mini_study(project, sid, tmp_path)
    paths = export_member_check(project, sid, "R1", lang="nb")
    assert len(paths) == 1 and paths[0].suffix == ".docx"
    parsed = parse_transcript(paths[0])
    assert [t.speaker for t in parsed.turns][:2] == ["Intervjuer", "Kari"]
    assert parsed.turns[1].text.startswith("For meg handler det om")
    with project.begin() as conn:
        assert get_participant(conn, sid, "R1")["member_check_status"] == "sent"
        record_member_check(
            conn, sid, "R1", status="changes_requested", comments="Navnet på skolen må fjernes."
        )
        p = get_participant(conn, sid, "R1")
    assert (p["member_check_status"], p["member_check_comments"]) == (
        "changes_requested",
        "Navnet på skolen må fjernes.",
    )


def test_withdrawal_destroys_a_pseudonymization_key_only_when_asked(study, tmp_path):
    import pytest

    from kvali.errors import KvaliError
    from kvali.participants.withdrawal import withdraw_participant
    from tests.conftest import snapshot

    project, sid = study
    mini_study(project, sid, tmp_path)
    key = project.path / "keys" / "pseudonymization.kvkey"
    key.parent.mkdir()
    key.write_bytes(b"encrypted originals")
    before = snapshot(project)
    with pytest.raises(KvaliError, match="--destroy-key"):
        withdraw_participant(project, sid, "R1")
    assert snapshot(project) == before and key.exists()
    result = withdraw_participant(project, sid, "R1", destroy_key=True)
    assert result["keys_destroyed"] == ["keys/pseudonymization.kvkey"] and not key.exists()
