"""Study, research questions, guide, participants, interviews, memos, events."""

from __future__ import annotations

from datetime import date

import pytest

from kvali.errors import InputError, NotFoundError


def test_study_and_research_questions(study):
    from kvali.codes.service import create_code
    from kvali.studies.service import add_research_question, get_study, link_theme, update_study

    project, sid = study
    with project.begin() as conn:
        add_research_question(conn, sid, text="Hvordan forstår rektorer PLF?")
        add_research_question(conn, sid, text="Hvordan fremstår PLF i praksis?")
        theme = create_code(conn, sid, name="Samskaping", level="theme")
        link_theme(conn, sid, question=2, code_id=theme)
        update_study(conn, sid, problem_statement="Profesjonelle læringsfellesskap")
        data = get_study(conn, sid)
    assert data["problem_statement"] == "Profesjonelle læringsfellesskap"
    assert [(r["position"], r["themes"]) for r in data["research_questions"]] == [
        (1, []),
        (2, ["Samskaping"]),
    ]


def test_guide_yaml_and_markdown_round_trip(study, tmp_path):
    from kvali.guides.io import parse_markdown, read_guide, to_markdown, to_yaml
    from kvali.guides.service import get_guide, replace_guide

    project, sid = study
    src = tmp_path / "guide.yaml"
    src.write_text(
        "introduction: Vi legger fram LK20 kap. 3.5.\n"
        "topics:\n"
        "  - text: Begrepsforståelse\n"
        "    questions:\n"
        "      - text: Hva legger du i begrepet PLF?\n"
        "  - text: Fremmende og hemmende faktorer\n"
        "    questions:\n"
        "      - text: Strukturelle faktorer\n"
        "        keywords: [Tid, Organisering av team]\n",
        encoding="utf-8",
    )
    with project.begin() as conn:
        counts = replace_guide(conn, sid, read_guide(src))
        guide = get_guide(conn, sid)
    assert counts == {"topics": 2, "questions": 2, "keywords": 2}
    assert guide["introduction"] == "Vi legger fram LK20 kap. 3.5."
    assert guide["topics"][1]["questions"][0]["keywords"] == ["Tid", "Organisering av team"]
    md = to_markdown(guide)
    again = parse_markdown(md)
    assert [t["text"] for t in again["topics"]] == [
        "Begrepsforståelse",
        "Fremmende og hemmende faktorer",
    ]
    assert again["topics"][1]["questions"][0]["keywords"] == ["Tid", "Organisering av team"]
    (tmp_path / "again.yaml").write_text(to_yaml(guide), encoding="utf-8")
    assert (
        read_guide(tmp_path / "again.yaml")["topics"][0]["questions"][0]["text"]
        == "Hva legger du i begrepet PLF?"
    )


def test_guide_markdown_errors_name_the_line(tmp_path):
    from kvali.guides.io import read_guide

    bad = tmp_path / "guide.md"
    bad.write_text("# Guide\n\n## Tema\n  - keyword without question\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_guide(bad)
    assert "guide.md:4" in str(exc.value)


def test_participants_attributes_consent_member_check(study):
    from kvali.participants.service import (
        add_participant,
        get_participant,
        record_member_check,
        set_attributes,
    )

    project, sid = study
    with project.begin() as conn:
        add_participant(
            conn,
            sid,
            code="R1",
            attributes={"skoletype": "ungdomsskole", "år som rektor": 5},
            consent_date=date(2022, 3, 28),
            consent_document="samtykke R1",
        )
        set_attributes(conn, sid, "R1", {"kommunestørrelse": "900", "år som rektor": ""})
        record_member_check(conn, sid, "R1", status="approved", comments="Ingen merknader")
        p = get_participant(conn, sid, "R1")
        with pytest.raises(InputError):
            record_member_check(conn, sid, "R1", status="maybe")
        with pytest.raises(InputError, match="already exists"):
            add_participant(conn, sid, code="R1")
    assert p["attributes"] == {"skoletype": "ungdomsskole", "kommunestørrelse": "900"}
    assert p["consent_date"] == "2022-03-28"
    assert (p["member_check_status"], p["member_check_comments"]) == ("approved", "Ingen merknader")


def test_interviews_modes_people(study):
    from kvali.interviews.service import add_interview, get_interview, list_interviews
    from kvali.participants.service import add_participant

    project, sid = study
    with project.begin() as conn:
        add_participant(conn, sid, code="R1")
        add_interview(
            conn,
            sid,
            label="Intervju 1",
            participants=["R1"],
            interviewers=["Forsker A", "Forsker B"],
            date=date(2022, 4, 26),
            mode="hybrid",
            duration_s=3300,
        )
        with pytest.raises(InputError, match="mode"):
            add_interview(conn, sid, label="X", mode="telepathy")
        with pytest.raises(NotFoundError):
            add_interview(conn, sid, label="Y", participants=["R404"])
        iv = get_interview(conn, sid, "Intervju 1")
        assert len(list_interviews(conn, sid)) == 1
    assert iv["mode"] == "hybrid" and iv["participants"] == ["R1"]
    assert iv["interviewers"] == ["Forsker A", "Forsker B"] and iv["duration_s"] == 3300


def test_memos_on_each_target_and_events_record_actor(study, tmp_path):
    from kvali.events.service import list_events, set_actor
    from kvali.memos.service import add_memo, list_memos
    from tests.helpers import mini_study

    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    set_actor("Forsker A")
    try:
        with project.begin() as conn:
            add_memo(conn, sid, text="Vi er selv rektorer.", kind="reflexivity")
            add_memo(conn, sid, text="Tid går igjen.", target_type="code", target_id=ids["time"])
            with pytest.raises(InputError):
                add_memo(conn, sid, text="x", kind="gossip")
            memos = list_memos(conn, sid)
            events = list_events(conn, study_id=sid, entity="memo")
    finally:
        set_actor(None)
    assert {(m["kind"], m["target_type"]) for m in memos} == {
        ("reflexivity", "study"),
        ("analytic", "code"),
    }
    assert all(m["author"] == "Forsker A" for m in memos)
    assert [e["actor"] for e in events] == ["Forsker A", "Forsker A"]
