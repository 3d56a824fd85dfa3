"""Agreement statistics as pure functions: percent agreement, Cohen's kappa, Krippendorff's alpha
(nominal, from a reliability-data matrix or a 2×2 table) and unitized alpha_u over spans.

No database and no numpy here, so the numbers can be checked by hand and against the reference
``krippendorff`` package in the tests. ``None`` means «not defined» (no variation in the data).

alpha_u is computed in O(n log n) for n coded spans: Krippendorff's sum over every pair of
sections of two coders is nonzero only for overlapping coded sections and for a coded section
inside the other coder's gap, and both are found by one sweep over the sorted sections; the
expected disagreement counts the gaps a unit fits in by binary search over the sorted gap
lengths. Sums are the same integers, added in the same order, as the pairwise definition
(:func:`_distance`), so the results are the same floats.

References: Cohen (1960); Krippendorff (2011) «Computing Krippendorff's alpha-reliability»;
Krippendorff (1995) «On the reliability of unitizing continuous data», Sociological Methodology
25: 47–76; Krippendorff (2004) *Content Analysis*, 2nd ed., §12.4 (alpha_u).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass

Span = tuple[int, int]


@dataclass(frozen=True)
class Table2:
    """Two coders' binary decisions over the same units: ``both`` applied the code, only ``a``,
    only ``b``, ``neither``."""

    both: int = 0
    only_a: int = 0
    only_b: int = 0
    neither: int = 0

    @property
    def n(self) -> int:
        return self.both + self.only_a + self.only_b + self.neither

    def __add__(self, other: Table2) -> Table2:
        return Table2(
            self.both + other.both,
            self.only_a + other.only_a,
            self.only_b + other.only_b,
            self.neither + other.neither,
        )


def percent_agreement(t: Table2) -> float | None:
    return (t.both + t.neither) / t.n if t.n else None


def cohen_kappa(t: Table2) -> float | None:
    """Cohen's kappa: observed agreement corrected by the chance agreement of each coder's own
    marginals."""
    n = t.n
    if not n:
        return None
    po = (t.both + t.neither) / n
    a1, b1 = (t.both + t.only_a) / n, (t.both + t.only_b) / n
    pe = a1 * b1 + (1 - a1) * (1 - b1)
    return None if pe >= 1 else (po - pe) / (1 - pe)


def alpha_binary(t: Table2) -> float | None:
    """Krippendorff's alpha (nominal) for two coders, two values, no missing data.

    From the coincidence matrix: o11 = 2·both, o00 = 2·neither, o01 = o10 = only_a + only_b;
    alpha = 1 − (n − 1)·o01 / (n0·n1) with n = 2·units pairable values.
    """
    n = 2 * t.n
    disagree = t.only_a + t.only_b
    n1 = 2 * t.both + disagree
    n0 = 2 * t.neither + disagree
    if n < 2 or n0 == 0 or n1 == 0:
        return None
    return 1 - (n - 1) * disagree / (n0 * n1)


def alpha_nominal(data: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha (nominal) from reliability data ``data[coder][unit]``; ``None`` marks
    a missing value. Units with fewer than two values are not pairable and are skipped."""
    if not data:
        return None
    units = len(data[0])
    coincidence: Counter[tuple[Hashable, Hashable]] = Counter()
    for u in range(units):
        values = [row[u] for row in data if row[u] is not None]
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nc - 1) if c == k else nc * nk
                if pairs:
                    coincidence[(c, k)] += pairs / (m - 1)
    marg: Counter[Hashable] = Counter()
    for (c, _k), v in coincidence.items():
        marg[c] += v
    n = sum(marg.values())
    if n <= 1:
        return None
    d_o = sum(v for (c, k), v in coincidence.items() if c != k)
    d_e = sum(marg[c] * marg[k] for c in marg for k in marg if c != k) / (n - 1)
    if d_e == 0:
        return None
    return 1 - d_o / d_e


# --- unitized alpha_u -------------------------------------------------------------------------


def merge_spans(spans: Iterable[Span], *, join_touching: bool = False) -> list[Span]:
    """Sorted, non-overlapping spans: one coder's overlapping codings of one code count once
    (adjacent ones stay separate units unless ``join_touching``)."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if e <= s:
            continue
        if out and (s < out[-1][1] or (join_touching and s == out[-1][1])):
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _sections(spans: list[Span], begin: int, end: int) -> list[tuple[int, int, bool]]:
    """The continuum cut into (start, length, coded) sections: coded spans and the gaps between."""
    out, pos = [], begin
    for s, e in spans:
        s, e = max(s, begin), min(e, end)
        if e <= s:
            continue
        if s > pos:
            out.append((pos, s - pos, False))
        out.append((s, e - s, True))
        pos = e
    if pos < end:
        out.append((pos, end - pos, False))
    return out


def _distance(g: tuple[int, int, bool], h: tuple[int, int, bool]) -> int:
    """Krippendorff's (2004: 253) squared distance between a section of one coder and one of the
    other: both coded and overlapping → squared differences of begins and of ends; a coded
    section lying wholly inside the other's gap → its length squared; otherwise 0.

    The definition, kept for the tests: :func:`_cross` sums it over all pairs without visiting
    the pairs whose distance is 0."""
    (bg, lg, cg), (bh, lh, ch) = g, h
    if cg and ch:
        if bg < bh + lh and bh < bg + lg:
            return (bg - bh) ** 2 + (bg + lg - bh - lh) ** 2
        return 0
    if cg and not ch:
        return lg * lg if bh <= bg and bg + lg <= bh + lh else 0
    if ch and not cg:
        return lh * lh if bg <= bh and bh + lh <= bg + lg else 0
    return 0


def _in_gaps(coded: list[tuple[int, int]], sections: list[tuple[int, int, bool]]) -> int:
    """Σ length² of the coded sections (begin, length) that lie wholly inside one of the other
    coder's gaps. The other's sections cut the continuum into consecutive pieces, so the only
    gap that can hold a section is the piece where the section begins."""
    begins = [b for b, _, _ in sections]
    total = 0
    for b, length in coded:
        k = bisect_right(begins, b) - 1
        if k < 0:
            continue
        hb, hl, h_coded = sections[k]
        if not h_coded and b + length <= hb + hl:
            total += length * length
    return total


def _cross(g_sections: list[tuple[int, int, bool]], h_sections: list[tuple[int, int, bool]]) -> int:
    """Σ :func:`_distance` over every (section of g, section of h), in one sweep."""
    g_coded = [(b, n) for b, n, coded in g_sections if coded]
    h_coded = [(b, n) for b, n, coded in h_sections if coded]
    total = _in_gaps(g_coded, h_sections) + _in_gaps(h_coded, g_sections)
    i = j = 0
    while i < len(g_coded) and j < len(h_coded):  # overlapping coded sections of both
        (bg, lg), (bh, lh) = g_coded[i], h_coded[j]
        eg, eh = bg + lg, bh + lh
        if bg < eh and bh < eg:
            total += (bg - bh) ** 2 + (eg - eh) ** 2
        if eg <= eh:
            i += 1
        else:
            j += 1
    return total


@dataclass(frozen=True)
class UnitizedResult:
    observed: float  # uD_o
    expected: float  # uD_e
    alpha: float | None

    def to_dict(self) -> dict[str, float | None]:
        return asdict(self)


def alpha_u(coders: Sequence[Iterable[Span]], *, begin: int, length: int) -> UnitizedResult | None:
    """Krippendorff's unitized alpha_u for one category (code) on the continuum
    ``[begin, begin + length)``: each coder's spans of that code against the gaps between them.

    Returns ``None`` when nobody used the code (no expected disagreement to correct by).
    """
    m, big_l, end = len(coders), length, begin + length
    merged = [merge_spans(c) for c in coders]
    sections = [_sections(spans, begin, end) for spans in merged]
    units = [lg for secs in sections for (_b, lg, coded) in secs if coded]
    if m < 2 or big_l <= 0 or not units:
        return None
    # The distance is symmetric, so each unordered pair of coders counts twice.
    observed_sum = 2 * sum(_cross(sections[i], sections[j]) for i in range(m) for j in range(i))
    observed = observed_sum / (m * (m - 1) * big_l * big_l)
    n_c = len(units)
    gaps = sorted(lg for secs in sections for (_b, lg, coded) in secs if not coded)
    tail = [0] * (len(gaps) + 1)  # tail[k] = sum(gaps[k:])
    for k in range(len(gaps) - 1, -1, -1):
        tail[k] = tail[k + 1] + gaps[k]
    term: dict[int, float] = {}
    total = 0.0
    for lg in units:
        if lg not in term:
            within = (n_c - 1) * (2 * lg**3 - 3 * lg**2 + lg) / 3
            k = bisect_left(gaps, lg)  # the gaps a unit of length lg fits in: gaps[k:]
            fits = tail[k] - (len(gaps) - k) * (lg - 1)  # Σ (gap − lg + 1) over them
            term[lg] = within + lg * lg * fits
        total += term[lg]
    denominator = m * big_l * (m * big_l - 1) - sum(lg * (lg - 1) for lg in units)
    expected = (2 / big_l) * total / denominator if denominator else 0.0
    if expected == 0:
        return UnitizedResult(observed, expected, None)
    return UnitizedResult(observed, expected, 1 - observed / expected)


def alpha_u_pooled(results: Iterable[UnitizedResult | None]) -> float | None:
    """alpha_u over several codes: 1 − ΣD_o / ΣD_e (Krippendorff 2004: 254 averages both)."""
    rs = [r for r in results if r is not None]
    d_e = sum(r.expected for r in rs)
    return None if not rs or d_e == 0 else 1 - sum(r.observed for r in rs) / d_e


def squeeze(spans: Iterable[Span], keep: list[Span]) -> list[Span]:
    """Map spans onto the continuum made of only the ``keep`` stretches laid end to end: how
    «without uncoded text» drops text neither coder coded before alpha_u is computed.

    ``keep`` is sorted and non-overlapping (as :func:`merge_spans` returns it); each span finds
    its first stretch by binary search, so this is linear in spans and stretches."""
    offsets, ends, pos = [], [], 0
    for s, e in keep:
        offsets.append((s, e, pos))
        ends.append(e)
        pos += e - s
    out = []
    for s, e in spans:
        k = bisect_right(ends, s)  # the first stretch ending after s
        while k < len(offsets) and offsets[k][0] < e:
            ks, ke, base = offsets[k]
            lo, hi = max(s, ks), min(e, ke)
            if lo < hi:
                out.append((base + lo - ks, base + hi - ks))
            k += 1
    return merge_spans(out)
