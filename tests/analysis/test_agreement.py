"""Agreement from coded spans: the unit tables checked unit by unit against the reference
package, and the service on a real project (blind rounds frozen when the comparison opened)."""

from __future__ import annotations

import random

import pytest

from kvali.analysis.agreement import _hits, agreement, compare, sentence_units, turn_units
from kvali.analysis.stats import merge_spans
from tests.helpers import mini_study

krippendorff = pytest.importorskip("krippendorff")
np = pytest.importorskip("numpy")

TURNS = [
    {"start_char": 0, "end_char": 40, "text": "Vi lærer sammen. Vi deler erfaringer! Ja."},
    {"start_char": 41, "end_char": 41, "text": ""},
    {"start_char": 42, "end_char": 100, "text": "x" * 58},
    {"start_char": 101, "end_char": 200, "text": "y" * 99},
]


def _random_spans(rng: random.Random, n: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(rng.randint(0, n)):
        s = rng.randrange(0, 190)
        out.append((s, min(200, s + rng.randint(1, 40))))
    return merge_spans(out)


def _ref_alpha(a: list[int], b: list[int]) -> float | None:
    if len(set(a + b)) < 2:
        return None
    return float(
        krippendorff.alpha(
            reliability_data=np.array([a, b], dtype=float), level_of_measurement="nominal"
        )
    )


@pytest.mark.parametrize("include_uncoded", [True, False])
@pytest.mark.parametrize("level", ["char", "turn"])
def test_tables_match_unit_by_unit_reference(level, include_uncoded):
    rng = random.Random(11)
    for _ in range(15):
        a = {1: _random_spans(rng, 3), 2: _random_spans(rng, 2)}
        b = {1: _random_spans(rng, 3), 2: _random_spans(rng, 2)}
        units = [(i, i + 1) for i in range(200)] if level == "char" else turn_units(TURNS)
        coded = merge_spans([s for d in (a, b) for v in d.values() for s in v], join_touching=True)
        if not include_uncoded:
            units = [u for u, h in zip(units, _hits(units, coded), strict=True) if h]
        result = compare(
            a,
            b,
            length=200,
            units=None if level == "char" else turn_units(TURNS),
            include_uncoded=include_uncoded,
        )
        for code, (table, _au) in result.items():
            va = [int(h) for h in _hits(units, a.get(code, []))]
            vb = [int(h) for h in _hits(units, b.get(code, []))]
            assert table.n == len(units)
            assert table.both == sum(x and y for x, y in zip(va, vb, strict=True))
            ref = _ref_alpha(va, vb)
            from kvali.analysis.stats import alpha_binary

            got = alpha_binary(table)
            assert (got is None and ref is None) or got == pytest.approx(ref)


def test_sentences_split_inside_turns():
    units = sentence_units(TURNS[:1])
    assert [TURNS[0]["text"][s:e] for s, e in units] == [
        "Vi lærer sammen.",
        "Vi deler erfaringer!",
        "Ja.",
    ]


def _code(conn, sid, ids, coder, code, quote_start, quote_len, tid_key="t1"):
    from kvali.analysis.blind import code_as

    return code_as(
        conn,
        sid,
        transcript_id=ids[tid_key],
        code=code,
        start=quote_start,
        end=quote_start + quote_len,
        coder=coder,
    )


def test_service_levels_blind_freeze(study, tmp_path):
    from kvali.analysis.blind import mark_done, set_blind
    from kvali.analysis.disagreements import accept_agreements

    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        set_blind(conn, sid, ids["t1"], coders=["Ann", "Bo"])
        _code(conn, sid, ids, "Ann", ids["share"], 100, 40)
        _code(conn, sid, ids, "Bo", ids["share"], 100, 40)  # same span: both recorded
        _code(conn, sid, ids, "Ann", ids["time"], 200, 30)
        _code(conn, sid, ids, "Bo", ids["time"], 205, 30)
        _code(conn, sid, ids, "Bo", ids["net"], 260, 20)
        mark_done(conn, sid, ids["t1"], coder="Ann")
        mark_done(conn, sid, ids["t1"], coder="Bo")
    with project.begin() as conn:
        before = {
            lvl: agreement(conn, sid, coders=["Ann", "Bo"], level=lvl)
            for lvl in ("char", "turn", "sentence")
        }
        excl = agreement(conn, sid, coders=["Ann", "Bo"], include_uncoded=False)
    res = before["char"]
    assert [tr["interview"] for tr in res["transcripts"]] == ["Intervju 1"]
    by_code = {r["code"]: r for r in res["codes"]}
    assert by_code["Samskaping/Deling/Deler erfaringer"]["kappa"] == pytest.approx(1.0)
    assert by_code["Samskaping/Deling/Tid"]["both"] == 25
    assert by_code["Nettverk/Faglig påfyll"]["only_b"] == 20
    assert excl["overall"]["percent"] < res["overall"]["percent"]
    assert excl["transcripts"][0]["codes"][0]["units"] == 40 + 35 + 20
    for lvl in ("turn", "sentence"):
        assert before[lvl]["overall"]["kappa"] is not None
    with project.begin() as conn:
        assert accept_agreements(conn, sid, interview="Intervju 1", coders=["Ann", "Bo"]) == 1
        after = agreement(conn, sid, coders=["Ann", "Bo"])
        live = agreement(conn, sid, coders=["Ann", "Bo"], frozen=False)
    assert after["overall"] == res["overall"]  # frozen at the opening of the comparison
    assert live["overall"] != res["overall"]


def test_needs_two_coders(study, tmp_path):
    from kvali.errors import InputError, NotFoundError

    project, sid = study
    mini_study(project, sid, tmp_path)
    with project.begin() as conn, pytest.raises(InputError):
        agreement(conn, sid, coders=["Ann"])
    with project.begin() as conn, pytest.raises(NotFoundError):
        agreement(conn, sid, coders=["Ann", "Nobody"])
