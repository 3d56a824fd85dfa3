"""Code suggestions: batch interface, small codebook, review (nothing coded without acceptance)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kvali.db import schema as t
from kvali.errors import InputError
from kvali.semantic.codebook import read_codebook
from kvali.semantic.review import (
    accept_suggestion,
    list_suggestions,
    reject_suggestion,
    suggest_for_study,
)
from kvali.semantic.tables import code_suggestions

QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="test">
  <Codes>
    <Code guid="a0000000-0000-0000-0000-000000000001" name="Samarbeid" isCodable="true">
      <Code guid="a0000000-0000-0000-0000-000000000002" name="Fellestid" isCodable="true">
        <Description>Fast tid i uka der lærerne møtes og samarbeider.</Description>
      </Code>
      <Code guid="a0000000-0000-0000-0000-000000000003" name="Nettverk" isCodable="true">
        <Description>Samarbeid med andre skoler i regionale nettverk.</Description>
      </Code>
    </Code>
    <Code guid="a0000000-0000-0000-0000-000000000004" name="Skoleeier" isCodable="true">
      <Description>Kommunen som skoleeier: budsjett, styring og støtte.</Description>
    </Code>
  </Codes>
</CodeBook>
"""


def test_read_qdc_and_json_codebooks(tmp_path: Path) -> None:
    (tmp_path / "cb.qdc").write_text(QDC, encoding="utf-8")
    codes = read_codebook(tmp_path / "cb.qdc")
    assert [(c.name, c.leaf, c.path) for c in codes] == [
        ("Samarbeid", False, []),
        ("Fellestid", True, ["Samarbeid"]),
        ("Nettverk", True, ["Samarbeid"]),
        ("Skoleeier", True, []),
    ]
    (tmp_path / "cb.json").write_text(json.dumps([{"name": "A", "description": "x"}]))
    assert read_codebook(tmp_path / "cb.json")[0].text() == "A: x"
    with pytest.raises(InputError):
        read_codebook(tmp_path / "missing.qdc")


def test_suggest_codes_batch_cli(tmp_path: Path) -> None:
    from kvali.cli import cli

    (tmp_path / "cb.qdc").write_text(QDC, encoding="utf-8")
    lines = [
        {"id": 1, "text": "Vi møtes hver onsdag ettermiddag for å planlegge sammen."},
        {"id": "b", "text": "Our school works with six other schools in a regional network."},
        {"id": 3, "text": "The council cut our budget again this year."},
        {"id": 4, "text": ""},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["suggest-codes", "--codebook", str(tmp_path / "cb.qdc"), "--jsonl", str(src)]
        + ["--lang", "en", "--threshold", "0"],
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.output.splitlines()]
    assert [o["id"] for o in out] == [1, "b", 3, 4]
    assert [o["suggestions"][0]["code"] for o in out[:3]] == ["Fellestid", "Nettverk", "Skoleeier"]
    assert out[3]["suggestions"] == []  # nothing to suggest for an empty text
    for o in out[:3]:
        scores = [s["score"] for s in o["suggestions"]]
        assert scores == sorted(scores, reverse=True)
    # A high threshold makes it abstain (an empty list, not a missing line).
    result = CliRunner().invoke(
        cli,
        ["suggest-codes", "--codebook", str(tmp_path / "cb.qdc"), "--jsonl", str(src)]
        + ["--threshold", "0.5"],
    )
    assert [json.loads(x)["suggestions"] for x in result.output.splitlines()] == [[]] * 4


def _codings(project) -> int:
    with project.begin() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.codings)).scalar()


def test_nothing_is_coded_without_acceptance(bilingual) -> None:
    project, sid, tid, codes = bilingual
    with project.begin() as conn:
        out = suggest_for_study(conn, sid, project_path=project.path, threshold=0.0)
    assert out["created"] >= 4 and _codings(project) == 0
    with project.begin() as conn:
        pending = list_suggestions(conn, sid)
    assert {p["status"] for p in pending} == {"pending"}
    net = next(p for p in pending if "regional network" in p["quote"] and p["rank"] == 1)
    assert net["code"] == "Nettverk"
    with project.begin() as conn:
        coding = accept_suggestion(conn, sid, net["id"], coder="Forsker A")
        row = conn.execute(sa.select(t.codings).where(t.codings.c.id == coding)).one()
        other = next(p for p in pending if p["id"] != net["id"])
        reject_suggestion(conn, sid, other["id"])
    assert (row.code_id, row.transcript_id) == (codes["Nettverk"], tid)
    assert _codings(project) == 1
    with project.begin() as conn, pytest.raises(InputError):
        accept_suggestion(conn, sid, other["id"])  # rejected stays rejected
    with project.begin() as conn:
        # Running again suggests nothing new for coded or rejected spans, and codes nothing.
        suggest_for_study(conn, sid, project_path=project.path, threshold=0.0)
        statuses = dict(
            conn.execute(sa.select(code_suggestions.c.id, code_suggestions.c.status)).all()
        )
        events = (
            conn.execute(sa.select(t.events.c.action).where(t.events.c.entity == "code_suggestion"))
            .scalars()
            .all()
        )
    assert statuses[net["id"]] == "accepted" and statuses[other["id"]] == "rejected"
    assert _codings(project) == 1
    assert {"suggest", "accept", "reject"} <= set(events)


def test_clusters_are_candidates_until_named(bilingual) -> None:
    from kvali.semantic.clusters import (
        list_clusters,
        merge_clusters,
        name_cluster,
        propose_clusters,
    )

    project, sid, _, _ = bilingual
    with project.begin() as conn:
        out = propose_clusters(conn, sid, project_path=project.path, k=3)
    assert len(out) >= 2 and all(c["quotes"] for c in out)
    assert sum(c["size"] for c in out) == 5
    with project.begin() as conn:
        size = merge_clusters(conn, sid, [out[1]["id"]], into=out[0]["id"])
        named = name_cluster(conn, sid, out[0]["id"], "Rammer", create_code=True)
        listed = {c["id"]: c for c in list_clusters(conn, sid)}
    assert named["suggestions"] == size == out[0]["size"] + out[1]["size"]
    assert listed[out[1]["id"]]["status"] == "merged"
    assert listed[out[0]["id"]]["status"] == "named"
    assert _codings(project) == 0  # a named category only *suggests* codings


def test_paraphrase_groups_in_report(bilingual, monkeypatch) -> None:
    from kvali.reports.build import build_report
    from kvali.semantic import paraphrases

    project, sid, _, _ = bilingual
    with project.begin() as conn:
        report = build_report(conn, sid)
        paraphrases.add_paraphrases_to_report(conn, sid, report, project_path=project.path)
        assert set(report.extra["paraphrase_groups"]) == {"Intervju 1"}
        groups = paraphrases.group_paraphrases(
            conn, sid, 1, threshold=0.0, project_path=project.path
        )
        assert len(groups) == 1 and len(groups[0]) == 5  # everything, at threshold 0
        # Without the semantic extra it does nothing and does not fail.
        monkeypatch.setattr("kvali.semantic.available", lambda: False)
        report.extra.clear()
        paraphrases.add_paraphrases_to_report(conn, sid, report)
        assert "paraphrase_groups" not in report.extra
