"""An independent REFI-QDA implementation reads kvali's export whole, and kvali reads its files.

pyqdpx (PyPI, written by nobody here) needs lower-case GUIDs and skips every selection without a
declared ``creatingUser``: before kvali wrote both, it read the demo export as 0 sources and 0
codes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from kvali.codes.service import list_codes
from kvali.codings.service import list_codings
from kvali.interop.refi import export_qdpx, import_qdpx
from kvali.interviews.service import list_interviews
from kvali.studies.service import default_study_id

from .refi_helpers import SAMPLES, small_qdpx


def test_pyqdpx_reads_the_demo_export_whole(demo_project, pyqdpx, tmp_path: Path) -> None:
    out = tmp_path / "demo.qdpx"
    result = export_qdpx(demo_project, out)
    seen = pyqdpx("read", out)
    with demo_project.begin() as conn:
        sid = default_study_id(conn)
        interviews = list_interviews(conn, sid)
        codes = list_codes(conn, sid)
        codings = list_codings(conn, sid)
    assert sorted(s["name"] for s in seen["sources"]) == sorted(i["label"] for i in interviews)
    assert {c["name"] for c in seen["codes"].values()} == {c["name"] for c in codes}
    assert len(seen["codes"]) == len(codes) == result.counts["codes"]
    selections = [(s["name"], sel) for s in seen["sources"] for sel in s["selections"]]
    assert len(selections) == len(codings) == result.counts["codings"] > 100
    # the same coded words, by the same coder, under the same code name
    names = {g: c["name"] for g, c in seen["codes"].items()}
    theirs = Counter((src, names[sel["code"]], sel["user"], sel["text"]) for src, sel in selections)
    ours = Counter((c["interview"], c["code"], c["coder"], c["text"]) for c in codings)
    assert theirs == ours
    assert {"Forsker A", "Forsker B"} <= set(seen["users"].values())


def test_files_pyqdpx_wrote_import_with_the_right_counts(make_project, pyqdpx, tmp_path) -> None:
    """The vendored NVivo project as re-written by pyqdpx, and a kvali export edited with
    pyqdpx's API just now: every selection arrives, the added one on the words it names."""
    project = make_project("nvivo")
    rewritten = import_qdpx(
        project, SAMPLES / "nvivo-12.6-win_oltas-teszt_rewritten-by-pyqdpx.qdpx"
    )
    assert rewritten.counts["codings_in_file"] == rewritten.counts["codings"] == 330
    assert rewritten.counts["users_in_file"] == 3

    first = make_project("first")
    import_qdpx(first, small_qdpx(tmp_path / "small.qdpx"))
    edited = export_qdpx(first, tmp_path / "edited.qdpx").path
    assert len(pyqdpx("read", edited)["sources"][0]["selections"]) == 2
    added = pyqdpx("write", edited)
    assert len(pyqdpx("read", edited)["sources"][0]["selections"]) == 3
    second = make_project("second")
    result = import_qdpx(second, edited)
    assert result.counts["codings"] == result.counts["codings_in_file"] == 3
    with second.begin() as conn:
        found = {(c["code"], c["text"], c["coder"]) for c in list_codings(conn, 1)}
    assert ("Lagt til av pyqdpx", added["text"], "Veileder") in found
