"""bench/quotes.py's scoring, and the dev set held to the issue's targets (a regression guard;
the held-out set is not run in the tests)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import bench_module

bq = bench_module("quotes")


def test_marked_forms_become_spans(tmp_path: Path):
    p = tmp_path / "s.txt"
    p.write_text("# c\nT\tÆ{jeg} veit itj{ikke}.\nstd\tDet går bra.\n", encoding="utf-8")
    q1, q2 = bq.parse_set(p)
    assert q1["text"] == "Æ veit itj."
    assert [(q1["text"][a:b], s) for a, b, s in q1["gold"]] == [("Æ", "jeg"), ("itj", "ikke")]
    assert q2["gold"] == [] and q2["region"] == "std"


def test_score_counts_misses_false_flags_and_suggestions(tmp_path: Path):
    p = tmp_path / "s.txt"
    p.write_text("T\tÆ{jeg} veit itj{ikke}.\nstd\tDet går bra.\n", encoding="utf-8")
    q1, q2 = bq.parse_set(p)
    flags = {
        q1["id"]: [{"start": 0, "end": 1, "word": "Æ", "suggestion": "Jeg", "kind": "dialect"}],
        q2["id"]: [{"start": 4, "end": 7, "word": "går", "suggestion": "x", "kind": "dialect"}],
    }
    r = bq.score([q1, q2], flags)
    assert (r["recall"], r["precision"], r["standard_flagged"], r["suggestion_right"]) == (
        0.5,
        0.5,
        1.0,
        1.0,
    )


def test_dev_set_meets_the_targets():
    r = bq.evaluate(bq.SETS / "dev.txt")
    assert r["recall"] >= 0.90 and r["precision"] >= 0.90
    assert r["standard_flagged"] <= 0.05 and r["suggestion_right"] >= 0.75
