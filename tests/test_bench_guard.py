"""The CI speed guard's verdicts (bench/guard.py), on figures made up to sit on either side."""

from __future__ import annotations

from tests.helpers import bench_module

guard = bench_module("guard")


def _verdicts(small: dict[str, float], large: dict[str, float], ratio: float = 4.0) -> dict:
    return {r["phase"]: r for r in guard.judge(small, large, ratio, factor=1.5, min_s=0.2)}


def test_linear_and_sublinear_phases_pass_quadratic_fails():
    v = _verdicts(
        {"import": 1.0, "search": 0.5, "section.agreement": 0.1, "render.xlsx": 0.3},
        {"import": 4.4, "search": 0.6, "section.agreement": 1.6, "render.xlsx": 1.7},
    )
    assert not v["import"]["failed"] and not v["search"]["failed"]
    assert v["section.agreement"]["failed"]  # 16× the time for 4× the data
    assert v["render.xlsx"]["limit"] == 6.0 and not v["render.xlsx"]["failed"]  # 5.7×: passes
    v = _verdicts({"render.xlsx": 0.3}, {"render.xlsx": 1.9})
    assert v["render.xlsx"]["failed"]  # 6.3×: just over


def test_short_phases_are_shown_but_not_judged():
    v = _verdicts({"section.paraphrases": 0.001}, {"section.paraphrases": 0.15})
    assert not v["section.paraphrases"]["judged"] and not v["section.paraphrases"]["failed"]


def test_a_phase_that_was_free_at_the_small_size_fails_when_it_costs_at_the_large():
    v = _verdicts({"render.csv": 0.0001}, {"render.csv": 0.25})
    assert v["render.csv"]["judged"] and v["render.csv"]["failed"]
