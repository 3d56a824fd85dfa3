"""The blind-coding rule holds in every reader of codings, not only on the coding screen.

Forsker A and Forsker B code Intervju 1 blind. Until both have marked it done, B must not see
A's codings anywhere: a coding's detail (and changes through it), the split screen's JSON,
search filtered by A's code, the report, and ``kvali coding list``; afterwards B sees them.
Runs on SQLite and PostgreSQL (the ``web`` fixture).
"""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from kvali.cli import cli
from tests.web.test_analysis_api import as_user, code


def blind_round(web: dict[str, Any]) -> dict[str, Any]:
    """A codes «Vi deler erfaringer» (Deler erfaringer), B codes «Uten tid …» (Tid)."""
    a, ids = web["client"], web["ids"]
    b = as_user(web, "Forsker B")
    r = a.post("/api/interviews/1/blind", json={"coders": ["Forsker A", "Forsker B"]})
    assert r.status_code == 200 and r.json()["blind"] is True, r.text
    return {
        "a": a,
        "b": b,
        "a_id": code(a, web, ids["share"], "Vi deler erfaringer"),
        "b_id": code(b, web, ids["time"], "Uten tid blir det ingenting av det."),
    }


def finish(r: dict[str, Any]) -> None:
    """A marks done first: still blind for B until B has marked it done too."""
    assert r["a"].post("/api/interviews/1/blind/done").json()["blind"] is True
    assert r["b"].post("/api/interviews/1/blind/done").json()["open"] is True


def cli_codings(web: dict[str, Any], user: str) -> list[dict[str, Any]]:
    args = ["-p", str(web["project"].path), "--user", user, "coding", "list", "--json"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def share_count(report: dict[str, Any]) -> int:
    """How often «Deler erfaringer» (A's code) counts in Intervju 1 of the report's table."""
    freq = report["code_frequency"]
    if "Deler erfaringer" not in freq["codes"]:
        return 0
    i = freq["codes"].index("Deler erfaringer")
    return freq["counts"][i][freq["interviews"].index("Intervju 1")]


def test_api_get_coding_hides_the_other_coders_work_until_both_are_done(web):
    r = blind_round(web)
    a, b, a_id = r["a"], r["b"], r["a_id"]
    assert a.get(f"/api/codings/{a_id}").status_code == 200  # one's own: always
    assert b.get(f"/api/codings/{a_id}").status_code == 404
    # Nor can B change it through the API (as if it did not exist); nothing is written.
    assert b.patch(f"/api/codings/{a_id}", json={"gold": True}).status_code == 404
    assert b.delete(f"/api/codings/{a_id}").status_code == 404
    assert b.post(f"/api/codings/{a_id}/memos", json={"text": "peek"}).status_code == 404
    assert b.get(f"/api/codings/{r['b_id']}").status_code == 200
    finish(r)
    detail = b.get(f"/api/codings/{a_id}")
    assert detail.status_code == 200 and detail.json()["detail"]["coder"] == "Forsker A"
    assert detail.json()["detail"]["is_gold"] is False  # the refused PATCH changed nothing


def split_ids(client: Any, code_id: int) -> set[int]:
    """The codings the split screen's JSON offers for this code."""
    return {c["id"] for c in client.get(f"/codebook/{code_id}/split.json").json()["codings"]}


def test_split_json_hides_the_other_coders_codings_until_both_are_done(web):
    r = blind_round(web)
    share = web["ids"]["share"]
    assert r["a_id"] in split_ids(r["a"], share)
    assert r["a_id"] not in split_ids(r["b"], share)
    finish(r)
    assert r["a_id"] in split_ids(r["b"], share)


def test_search_by_code_hides_the_other_coders_codings_until_both_are_done(web):
    r = blind_round(web)
    q = f"/search.json?q=deler&code={web['ids']['share']}"

    def hits(client: Any) -> list[str]:
        return [h["interview"] for h in client.get(q).json()["hits"]]

    assert hits(r["a"]) == ["Intervju 1"]
    assert hits(r["b"]) == []  # A's code on those words must not show through the filter
    finish(r)
    assert hits(r["b"]) == ["Intervju 1"]


def test_report_hides_the_other_coders_codings_until_both_are_done(web):
    r = blind_round(web)
    a, b = r["a"], r["b"]
    assert share_count(a.get("/reports.json").json()) == 1
    assert share_count(b.get("/reports.json").json()) == 0
    download = b.get("/reports/download/json")
    assert download.status_code == 200 and share_count(json.loads(download.content)) == 0
    finish(r)
    assert share_count(b.get("/reports.json").json()) == 1
    assert share_count(json.loads(b.get("/reports/download/json").content)) == 1


def test_cli_coding_list_hides_the_other_coders_codings_until_both_are_done(web):
    r = blind_round(web)
    assert {c["coder"] for c in cli_codings(web, "Forsker A")} == {"Forsker A"}
    assert {c["id"] for c in cli_codings(web, "Forsker B")} == {r["b_id"]}
    assert cli_codings(web, "Veileder") == []  # outside the round: neither coder's work
    finish(r)
    assert {c["id"] for c in cli_codings(web, "Forsker B")} == {r["a_id"], r["b_id"]}
    assert len(cli_codings(web, "Veileder")) == 2


def _add_irgens(web: dict[str, Any]) -> int:
    """Irgens' framework, its item 4 linked to «Deler erfaringer» (A's code in the round)."""
    from kvali.analysis.frameworks import add_framework, link_codes

    with web["project"].begin() as conn:
        fid = add_framework(conn, web["sid"], key="irgens", language="nb")
        link_codes(conn, web["sid"], framework="irgens", item="4", codes=["Deler erfaringer"])
    return fid


def _matrix_share(web: dict[str, Any], fid: int, viewer: str) -> str:
    """The evidence level for «Deler erfaringer fra egen praksis» in Intervju 1 as ``viewer``
    sees it: A's coding makes it explicit."""
    from kvali.analysis.matrix import framework_matrix

    with web["project"].begin() as conn:
        m = framework_matrix(conn, web["sid"], fid, viewer=viewer)
    row = next(r for r in m["rows"] if r["item"] == "Deler erfaringer fra egen praksis")
    return row["cells"][0]["suggested"]


def test_framework_matrix_and_agreement_wait_for_the_round(web):
    """The theory-framework matrix (screen, CLI, report section) counts only the evidence the
    viewer may see, and agreement leaves a round out until it opens."""
    r = blind_round(web)
    fid = _add_irgens(web)
    assert _matrix_share(web, fid, "Forsker A") == "explicit"
    assert _matrix_share(web, fid, "Forsker B") != "explicit"
    params = {"coder_a": "Forsker A", "coder_b": "Forsker B"}
    agreement = r["b"].get("/agreement.json", params=params)
    assert agreement.status_code == 200, agreement.text
    assert agreement.json()["result"]["held_back"] == ["Intervju 1"]
    finish(r)
    assert _matrix_share(web, fid, "Forsker B") == "explicit"
    assert r["b"].get("/agreement.json", params=params).json()["result"]["held_back"] == []
