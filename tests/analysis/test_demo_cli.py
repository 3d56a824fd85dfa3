"""The demo's analysis (two coders on one interview, Irgens' matrix, coverage of all three),
the report sections and the CLI commands over it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kvali.cli import cli


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_analysis_report_and_cli(make_project):
    from kvali.analysis.demo import add_demo_analysis
    from kvali.analysis.report import add_to_report
    from kvali.demo.build import populate_demo
    from kvali.reports.build import build_report

    project = make_project("demo")
    populate_demo(project)
    summary = add_demo_analysis(project)
    assert 0.6 < summary["agreement"]["kappa"] < 0.95  # realistic, not perfect
    assert summary["resolved"] > 10
    with project.begin() as conn:
        report = add_to_report(conn, 1, build_report(conn, 1))
    extra = json.loads(json.dumps(report.extra))
    agreement = extra["agreement"]
    assert agreement["coders"] == ["Forsker A", "Forsker B"]
    assert [t["interview"] for t in agreement["transcripts"]] == ["Intervju 1"]
    (matrix,) = extra["framework_matrix"]
    critical = matrix["rows"][4]
    assert [c["level"] for c in critical["cells"]] == ["not_found"] * 3
    assert all(c["set"] for c in critical["cells"])
    assert matrix["rows"][0]["cells"][0]["level"] == "explicit"
    coverage = extra["guide_coverage"]
    assert len(coverage["interviews"]) == 3
    assert all(iv["summary"]["topics_touched"] >= 2 for iv in coverage["interviews"])

    p = project.path
    out = json.loads(
        run("-p", p, "agreement", "--level", "sentence", "--exclude-uncoded", "--json")
    )
    assert out["level"] == "sentence" and out["overall"]["kappa"] is not None
    assert "overall:" in run("-p", p, "agreement", "--interview", "Intervju 1")
    assert "Intervju 1" in run("-p", p, "blind", "status")
    items = json.loads(
        run(
            "-p",
            p,
            "disagreements",
            "--interview",
            "Intervju 1",
            "--coder",
            "Forsker A",
            "--coder",
            "Forsker B",
            "--json",
        )
    )
    assert items and {i["kind"] for i in items} <= {"boundary", "code", "only_a", "only_b"}
    first = items[0]
    ids = [c["id"] for c in first["a"] + first["b"]]
    run(
        "-p",
        p,
        "disagreements",
        "resolve",
        "Intervju 1",
        *sum((["--replace", i] for i in ids), []),
        "--memo",
        "Ikke kodet: for generelt.",
    )
    assert "not_found*" in run("-p", p, "framework", "matrix", "irgens")
    run("-p", p, "framework", "set", "irgens", "1", "implicit", "--interview", "Intervju 2")
    m = json.loads(run("-p", p, "framework", "matrix", "irgens", "--json"))
    assert m["rows"][0]["cells"][1]["level"] == "implicit"
    assert "never touched" in run("-p", p, "coverage")
    assert "irgens" in run("-p", p, "framework", "list", "--shipped")
