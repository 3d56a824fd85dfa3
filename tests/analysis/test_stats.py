"""Agreement statistics against worked examples from the literature and the `krippendorff`
reference package."""

from __future__ import annotations

import random

import pytest

from kvali.analysis.stats import (
    Table2,
    alpha_binary,
    alpha_nominal,
    alpha_u,
    alpha_u_pooled,
    cohen_kappa,
    merge_spans,
    percent_agreement,
    squeeze,
)

krippendorff = pytest.importorskip("krippendorff")
np = pytest.importorskip("numpy")


def _ref(data: list[list[int | None]]) -> float:
    arr = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    return float(krippendorff.alpha(reliability_data=arr, level_of_measurement="nominal"))


def test_krippendorff_2011_binary_example():
    # Krippendorff (2011) «Computing Krippendorff's alpha-reliability», section A: two observers,
    # ten units, binary data, alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert alpha_nominal([a, b]) == pytest.approx(0.095, abs=5e-4)
    table = Table2(both=1, only_a=1, only_b=3, neither=5)
    assert alpha_binary(table) == pytest.approx(_ref([a, b]))


def test_krippendorff_2011_nominal_example_with_missing_values():
    # Krippendorff (2011) section C: four observers, twelve units, missing data; alpha = 0.743.
    n = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert alpha_nominal(data) == pytest.approx(0.743, abs=5e-4)
    assert alpha_nominal(data) == pytest.approx(_ref(data))


def test_cohen_kappa_textbook_example():
    # The common textbook case (e.g. Wikipedia «Cohen's kappa»): 50 items, 20 yes/yes,
    # 5 yes/no, 10 no/yes, 15 no/no → p_o = 0.7, p_e = 0.5, kappa = 0.4.
    t = Table2(both=20, only_a=5, only_b=10, neither=15)
    assert percent_agreement(t) == pytest.approx(0.7)
    assert cohen_kappa(t) == pytest.approx(0.4)


def test_krippendorff_1995_digitized_bertha_and_bill():
    # Krippendorff (1995: 57), example A cut into 24 equal units: kappa .385, alpha .329.
    bertha = [0, 0] + [1] * 8 + [0] * 4 + [1] * 6 + [0] * 4
    bill = [0] * 4 + [1] * 4 + [0] * 7 + [1] * 2 + [0] * 7
    pairs = list(zip(bertha, bill, strict=True))
    t = Table2(pairs.count((1, 1)), pairs.count((1, 0)), pairs.count((0, 1)), pairs.count((0, 0)))
    assert cohen_kappa(t) == pytest.approx(0.385, abs=1e-3)
    assert alpha_binary(t) == pytest.approx(0.329, abs=1e-3)
    assert alpha_binary(t) == pytest.approx(_ref([bertha, bill]))


def test_binary_alpha_matches_reference_on_random_tables():
    rng = random.Random(3)
    for _ in range(40):
        n = rng.randint(5, 60)
        a = [rng.random() < 0.4 for _ in range(n)]
        b = [x if rng.random() < 0.7 else not x for x in a]
        if len(set(a + b)) < 2:
            continue
        pairs = list(zip(a, b, strict=True))
        t = Table2(*(pairs.count(p) for p in ((1, 1), (1, 0), (0, 1), (0, 0))))
        ref = _ref([[int(x) for x in a], [int(x) for x in b]])
        assert alpha_binary(t) == pytest.approx(ref)
        assert alpha_nominal([a, b]) == pytest.approx(ref)


def test_undefined_without_variation():
    assert cohen_kappa(Table2(neither=10)) is None
    assert alpha_binary(Table2(both=3)) is None
    assert percent_agreement(Table2()) is None


def _k2004():
    # Krippendorff (2004) Content Analysis, 2nd ed., p. 254: continuum 150–450, two observers,
    # categories c and k. Published: uD_o(c)=.0144, uD_e(c)=.0532, alpha_c=.7286, alpha_k=1,
    # alpha over both = .8591 (the DKPro Statistics test reproduces the same numbers).
    c = [[(225, 295), (370, 400)], [(220, 300), (355, 375), (400, 420)]]
    k = [[(180, 240), (300, 350)], [(180, 240), (300, 350)]]
    return c, k


def test_alpha_u_krippendorff_2004_example():
    c, k = _k2004()
    rc = alpha_u(c, begin=150, length=300)
    rk = alpha_u(k, begin=150, length=300)
    assert rc.observed == pytest.approx(0.0144, abs=1e-4)
    assert rc.expected == pytest.approx(0.0532, abs=1e-4)
    assert rc.alpha == pytest.approx(0.7286, abs=1e-4)
    assert rk.observed == 0 and rk.alpha == pytest.approx(1.0)
    assert alpha_u_pooled([rc, rk]) == pytest.approx(0.8591, abs=5e-4)


@pytest.mark.parametrize(
    ("name", "a", "b", "d_o", "expected_alpha"),
    [
        # Krippendorff (1995: 57, table 1), observers' segmentations of a 24-unit continuum.
        ("A", [(2, 10), (14, 20)], [(4, 8), (15, 17)], 0.03125, 0.553),
        (
            "B",
            [(0, 18)],
            [(0, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 9), (9, 10)],
            2.26736,
            -0.926,
        ),
        (
            "C",
            [(2, 8), (10, 12), (14, 18), (20, 22)],
            [(0, 2), (4, 8), (10, 14), (16, 18), (20, 22)],
            0.02777,
            0.679,
        ),
        (
            "D",
            [(0, 2), (2, 10), (10, 14), (14, 20), (20, 24)],
            [(0, 4), (4, 8), (8, 15), (15, 17), (17, 24)],
            0.38715,
            0.066,
        ),
    ],
)
def test_alpha_u_krippendorff_1995_examples(name, a, b, d_o, expected_alpha):
    assert alpha_u([a, b], begin=0, length=24).observed == pytest.approx(d_o, abs=1e-5)
    # The published alphas are for a finely divided continuum (the limit as units shrink).
    s = 50_000
    scaled = [[(x * s, y * s) for x, y in spans] for spans in (a, b)]
    assert alpha_u(scaled, begin=0, length=24 * s).alpha == pytest.approx(expected_alpha, abs=0.02)


def test_alpha_u_identical_and_unused():
    assert alpha_u([[(3, 9)], [(3, 9)]], begin=0, length=20).alpha == 1.0
    assert alpha_u([[], []], begin=0, length=20) is None


def test_merge_and_squeeze():
    assert merge_spans([(5, 8), (0, 3), (2, 4), (8, 9)]) == [(0, 4), (5, 8), (8, 9)]
    assert merge_spans([(5, 8), (8, 9)], join_touching=True) == [(5, 9)]
    keep = [(10, 20), (50, 60)]
    assert squeeze([(12, 15), (50, 55)], keep) == [(2, 5), (10, 15)]
