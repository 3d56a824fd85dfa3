"""Review: accept/reject one suggestion or an entity everywhere, add missed spans, categories,
and the CLI round trip (detect → review → reject → apply → key show → key destroy)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

pytest.importorskip("spacy")

from kvali.privacy.service import (  # noqa: E402
    add_span,
    detect_study,
    list_entities,
    list_suggestions,
    set_category,
    set_status,
)

TEXTS = [
    "Jeg jobbet med Ole Strand på Nordbø skole. Ole er flink.",
    "Ole Strand og jeg dro til Molde. Prosjektet Lysglimt var bra.",
]


@pytest.fixture
def two(make_project):
    from kvali.interviews.service import add_interview
    from kvali.studies.service import create_study
    from kvali.transcripts.service import save_transcript

    project = make_project()
    with project.begin() as conn:
        sid = create_study(conn, title="T", language="nb")
        for i, txt in enumerate(TEXTS):
            add_interview(conn, sid, label=f"I{i}")
            save_transcript(conn, sid, f"I{i}", turns=[{"speaker": "R", "text": txt}])
        detect_study(conn, sid)
    return project, sid


def test_entity_decisions_apply_study_wide_and_stick(two):
    project, sid = two
    with project.begin() as conn:
        ents = {e["text"]: e for e in list_entities(conn, sid)}
        ole = ents["Ole Strand"]
        assert ole["occurrences"] == 2  # one entity across both interviews
        n = set_status(conn, sid, "rejected", entity_ids=[ents["Molde"]["id"]])
        assert n == 1
        set_status(conn, sid, "accepted", entity_ids=[ole["id"]])
        one = next(s for s in list_suggestions(conn, sid) if s["text"] == "Ole")
        set_status(conn, sid, "rejected", suggestion_ids=[one["id"]])
        detect_study(conn, sid)  # re-detection keeps the decisions
        rows = list_suggestions(conn, sid)
        assert {r["status"] for r in rows if r["text"] == "Molde"} == {"rejected"}
        assert {r["status"] for r in rows if r["text"] == "Ole Strand"} == {"accepted"}
        assert "[Molde]" in next(r["context"] for r in rows if r["text"] == "Molde")


def test_add_missed_span_everywhere_and_edit_category(two):
    project, sid = two
    with project.begin() as conn:
        n = add_span(conn, sid, label="MISC", text="Lysglimt", category="navn på prosjekt")
        assert n == 1
        row = next(s for s in list_suggestions(conn, sid) if s["text"] == "Lysglimt")
        assert (row["status"], row["source"], row["category"]) == (
            "accepted",
            "manual",
            "navn på prosjekt",
        )
        assert set_category(conn, sid, "navn på ansatt", label="PER") >= 1
        per = [e for e in list_entities(conn, sid) if e["label"] == "PER"]
        assert {e["category"] for e in per} == {"navn på ansatt"}
        from kvali.errors import InputError

        with pytest.raises(InputError):
            add_span(conn, sid, label="PER", interview="I0", start=5, end=500)


def test_cli_round_trip(two, tmp_path):
    from click.testing import CliRunner

    from kvali.cli import cli

    project, _ = two
    pp = tmp_path / "pass.txt"
    pp.write_text("a long enough passphrase\n", encoding="utf-8")
    run = CliRunner().invoke
    base = ["--project", str(project.path)]
    res = run(cli, [*base, "pseudonymize", "review", "--json"])
    assert res.exit_code == 0, res.output
    molde = next(r for r in json.loads(res.output) if r["text"] == "Molde")
    assert run(cli, [*base, "pseudonymize", "reject", str(molde["id"])]).exit_code == 0
    res = run(
        cli, [*base, "pseudonymize", "apply", "--style", "tags", "--passphrase-file", str(pp)]
    )
    assert res.exit_code == 0, res.output
    res = run(cli, [*base, "transcript", "show", "I1"])
    assert "Molde" in res.output and "Ole Strand" not in res.output and "[PERSON-" in res.output
    bad = tmp_path / "bad.txt"
    bad.write_text("wrong passphrase!\n", encoding="utf-8")
    res = run(cli, [*base, "pseudonymize", "key", "show", "--passphrase-file", str(bad)])
    assert res.exit_code == 2 and "wrong passphrase" in res.output
    res = run(cli, [*base, "pseudonymize", "key", "show", "--json", "--passphrase-file", str(pp)])
    assert any(k["original"] == "Ole Strand" for k in json.loads(res.output))
    res = run(cli, [*base, "pseudonymize", "key", "destroy", "--yes"])
    assert res.exit_code == 0 and "destroyed" in res.output
    with project.begin() as conn:
        from kvali.privacy.tables import privacy_entities as E

        assert conn.execute(sa.select(E.c.text).where(E.c.text.is_not(None))).all() == []
