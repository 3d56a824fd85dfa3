"""The fast paths of the report sections give exactly what their definitions give.

alpha_u's sweep against Krippendorff's sum over every pair of sections, ``squeeze`` against the
stretch-by-stretch mapping, and the indexed keyword matching against matching every word of every
passage — on random inputs, compared with ``==`` (the same floats, not approximately).
"""

from __future__ import annotations

import random

import pytest

from kvali.analysis.stats import (
    Span,
    UnitizedResult,
    _distance,
    _sections,
    alpha_u,
    merge_spans,
    squeeze,
)


def _alpha_u_pairwise(
    coders: list[list[Span]], *, begin: int, length: int
) -> UnitizedResult | None:
    """alpha_u as Krippendorff (2004: 251–254) writes it: every section against every other."""
    m, big_l, end = len(coders), length, begin + length
    sections = [_sections(merge_spans(c), begin, end) for c in coders]
    units = [lg for secs in sections for (_b, lg, coded) in secs if coded]
    if m < 2 or big_l <= 0 or not units:
        return None
    observed_sum = 0
    for i in range(m):
        for j in range(m):
            if i != j:
                observed_sum += sum(_distance(g, h) for g in sections[i] for h in sections[j])
    observed = observed_sum / (m * (m - 1) * big_l * big_l)
    n_c = len(units)
    gaps = sorted((lg for secs in sections for (_b, lg, coded) in secs if not coded), reverse=True)
    total = 0.0
    for lg in units:
        within = (n_c - 1) * (2 * lg**3 - 3 * lg**2 + lg) / 3
        fits = sum(gap - lg + 1 for gap in gaps if gap >= lg)
        total += within + lg * lg * fits
    denominator = m * big_l * (m * big_l - 1) - sum(lg * (lg - 1) for lg in units)
    expected = (2 / big_l) * total / denominator if denominator else 0.0
    if expected == 0:
        return UnitizedResult(observed, expected, None)
    return UnitizedResult(observed, expected, 1 - observed / expected)


def _random_coder(rng: random.Random, lo: int, hi: int, n: int) -> list[Span]:
    """Random spans; half the time their ends come from a few shared points, so begins and ends
    of different coders coincide as often as in real coding of the same sentences."""
    grid = sorted(rng.sample(range(lo, hi + 1), min(12, hi + 1 - lo)))
    spans = []
    for _ in range(rng.randint(0, n)):
        if rng.random() < 0.5:
            s, e = sorted(rng.sample(grid, 2)) if len(grid) > 1 else (lo, hi)
            spans.append((s, e))
            continue
        s = rng.randrange(lo, hi)
        spans.append((s, s + rng.choice([1, 2, rng.randint(1, 60), rng.randint(1, 400)])))
    if spans and rng.random() < 0.3:  # touching spans stay separate units
        s, e = spans[-1]
        spans.append((e, e + rng.randint(1, 9)))
    return spans


EDGE_CASES = [
    [[(0, 10)], [(10, 20)]],  # one coder's unit begins where the other's ends
    [[(10, 20)], [(0, 10)]],
    [[(0, 30)], [(0, 30)]],  # the whole continuum, both
    [[(5, 10)], [(0, 10)]],  # same end, nested
    [[(0, 5)], [(0, 10)]],  # same begin, nested
    [[(5, 10), (10, 15)], [(0, 30)]],  # touching units inside the other's unit
    [[(5, 10), (10, 15)], []],  # inside the other's only gap
    [[(2, 8), (20, 28)], [(8, 20)]],  # the gaps of each are the units of the other
    [[(-5, 3), (27, 40)], [(0, 3), (27, 30)]],  # clipped to the continuum
]


@pytest.mark.parametrize("data", EDGE_CASES)
def test_alpha_u_sweep_edge_cases(data):
    assert alpha_u(data, begin=0, length=30) == _alpha_u_pairwise(data, begin=0, length=30)


@pytest.mark.parametrize("coders", [2, 3])
def test_alpha_u_sweep_equals_pairwise_definition(coders):
    rng = random.Random(17 + coders)
    checked = 0
    for _ in range(400):
        begin = rng.choice([0, 0, 150, 1000])
        length = rng.choice([1, 24, 300, 2000, 20_000])
        # Spans may reach outside the continuum: they are clipped to it.
        data = [_random_coder(rng, begin - 30, begin + length + 30, 25) for _ in range(coders)]
        want = _alpha_u_pairwise(data, begin=begin, length=length)
        got = alpha_u(data, begin=begin, length=length)
        assert got == want, (data, begin, length)
        checked += want is not None and want.alpha is not None
    assert checked > 300  # most cases had a defined alpha_u


def test_squeeze_equals_stretch_by_stretch_mapping():
    def naive(spans: list[Span], keep: list[Span]) -> list[Span]:
        offsets, pos = [], 0
        for s, e in keep:
            offsets.append((s, e, pos))
            pos += e - s
        out = []
        for s, e in spans:
            for ks, ke, base in offsets:
                lo, hi = max(s, ks), min(e, ke)
                if lo < hi:
                    out.append((base + lo - ks, base + hi - ks))
        return merge_spans(out)

    rng = random.Random(5)
    for _ in range(500):
        keep = merge_spans(_random_coder(rng, 0, 3000, 30), join_touching=True)
        spans = _random_coder(rng, 0, 3000, 30)
        rng.shuffle(spans)
        assert squeeze(spans, keep) == naive(spans, keep)


# --- keyword matching ----------------------------------------------------------------------

WORDS = (
    "tid utviklingstid tidene fritid tillit tillitsvalgt tillitsvalgte nettverk nettverket "
    "nettverksmøter lærer lærere lærerne læreren samarbeid samarbeidet samarbeide team "
    "teamarbeid lederteam utviklingsteam UH-sektor UH-sektoren deling deler erfaring erfaringer "
    "og i det er som en på å til at med har for jeg de ikke av Tid, Nettverk. «Tillit» team? "
    "skole-hjem-samarbeid mestring mestringen 2022 x_y Kompetanse kompetansen"
).split()
KEYWORDS = [
    "Tid",
    "Tillit/autonomi",
    "Organisering av team",
    "Deling av erfaringer",
    "Nettverk",
    "UH-sektor",
    "Samarbeid (skole-hjem), lærere",
    "Hva legger du i begrepet?",
    "og",
    "kompetanse – mestring",
]


def _find_by_definition(phrase, turns, *, share, limit):
    """The original matching: every word's stem of every turn against every term."""
    from kvali.analysis.textmatch import _WORD, match, stem

    hits, evidence = 0, []
    for tr in turns:
        stems = {stem(p) for m in _WORD.finditer(tr["text"]) for p in m.group().split("-")}
        matched = match(phrase, stems, share=share)
        if matched:
            hits += 1
            if len(evidence) < limit:
                evidence.append((tr["start_char"], tr["text"][:240], matched))
    return hits, evidence


@pytest.mark.parametrize("share", [0.5, 0.66, 1.0])
def test_indexed_matching_equals_matching_every_word(share):
    from kvali.analysis.textmatch import Matcher, Passages

    rng = random.Random(int(share * 100))
    specs = [(k, split) for k in KEYWORDS for split in (True, False)]
    matcher = Matcher(specs)  # one matcher across interviews, as the reports use it
    found = 0
    for _ in range(30):
        turns, pos = [], 0
        for _ in range(rng.randint(0, 25)):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30)))
            turns.append(
                {"speaker": "R", "role": "participant", "start_char": pos,
                 "end_char": pos + len(text), "start_ms": None, "text": text}
            )  # fmt: skip
            pos += len(text) + 1
        passages = Passages(turns, matcher)
        for text, split in specs:
            phrase = matcher.phrase(text, split)
            hits, evidence = passages.find(phrase, share=share, limit=3)
            want = _find_by_definition(phrase, turns, share=share, limit=3)
            assert (hits, [(e["start_char"], e["text"], e["matched"]) for e in evidence]) == want
            found += hits
    assert found > 100  # the phrases did match, often


def test_matcher_refuses_phrases_it_was_not_built_for():
    from kvali.analysis.textmatch import Matcher

    with pytest.raises(KeyError):
        Matcher([("Tid", True)]).phrase("Nettverk")
