"""The charts' numbers (reports.charts): coding progress per interview, the theme × interview
heatmap and code frequencies, as the viewer may see them."""

from __future__ import annotations

from kvali.codings.service import add_coding
from kvali.reports.charts import analysis_charts, coding_progress
from tests.helpers import mini_study


def test_progress_heatmap_and_frequencies(study, tmp_path):
    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        t1 = ids["t1"]
        add_coding(conn, sid, transcript_id=t1, code="Tid", start=0, end=10, coder="A")
        add_coding(conn, sid, transcript_id=t1, code="Deler erfaringer", start=5, end=20, coder="A")
        add_coding(conn, sid, transcript_id=ids["t2"], code="Faglig påfyll", start=0, end=4)
        add_coding(conn, sid, transcript_id=ids["t2"], code="Tid", start=10, end=12)
        progress = {p["label"]: p for p in coding_progress(conn, sid, "A")}
        assert progress["Intervju 1"]["coded_chars"] == 20  # 0–20, the overlap counted once
        assert progress["Intervju 2"]["coded_chars"] == 6
        share = progress["Intervju 1"]["share"]
        assert share == round(20 / progress["Intervju 1"]["chars"], 4)
        out = analysis_charts(conn, sid, "A")
    assert [iv["label"] for iv in out["interviews"]] == ["Intervju 1", "Intervju 2"]
    heat = {r["theme"]: [c["count"] for c in r["cells"]] for r in out["heatmap"]}
    assert heat == {"Samskaping": [2, 1], "Nettverk": [0, 1]}
    assert out["max"] == 2
    cells = {r["theme"]: r["cells"] for r in out["heatmap"]}
    assert cells["Nettverk"][0]["color"] == "#ffffff"
    assert cells["Samskaping"][0]["color"] == "#5b9bd5"
    assert [(f["path"], f["count"]) for f in out["frequencies"]] == [
        ("Samskaping/Deling/Tid", 2),
        ("Nettverk/Faglig påfyll", 1),
        ("Samskaping/Deling/Deler erfaringer", 1),
    ]
    assert out["frequencies"][0]["share"] == 1.0
