"""A synthetic StudyReport far larger than the thesis, for the renderers' tests and benchmark.

Shared by ``tests/test_report_render.py`` (what a large report holds) and
``bench/report_render.py`` (how its rendering time grows); it builds the report dataclasses
directly, so no database is involved.
"""

from __future__ import annotations

from kvali.reports.model import (
    AnalysisModel,
    CategoryFinding,
    CodeFrequency,
    Condensation,
    Quote,
    RecurringCode,
    RecurringWord,
    StudyReport,
    ThemeCell,
    ThemeMatrix,
    ThemeRow,
)

THEMES = ["Samskaping", "Distribuert ledelse", "Nettverk"]


def synthetic_report(n: int = 500, n_codes: int = 40) -> StudyReport:
    """A study far larger than the thesis: ``n`` interviews, ~5 gold quotes and 10 codes each."""
    interviews = [f"Intervju {i}" for i in range(1, n + 1)]
    code_names = [f"Kode {k:02d} – {THEMES[k % 3].lower()}" for k in range(n_codes)]
    models = []
    for i, name in enumerate(interviews):
        picked = [code_names[(i + k * 3) % n_codes] for k in range(10)]
        codes = [RecurringCode(c, f"Kategori {k % 4}", THEMES[k % 3], 1 + (i + k) % 6)
                 for k, c in enumerate(picked)]  # fmt: skip
        models.append(
            AnalysisModel(
                interview=name,
                participants=[f"R{i + 1}"],
                mode=("in_person", "hybrid", "digital")[i % 3],
                date="2022-05-01",
                gold_quotes=[
                    Quote(
                        name,
                        f"R{i + 1}",
                        f"Sitat {g} fra {name}: vi lærer sammen, æøå.",
                        [picked[g]],
                        0,
                        40,
                        1000 * (i + 60 * g),
                        True,
                    )
                    for g in range(5)
                ],  # fmt: skip
                recurring_codes=codes,
                recurring_words=[RecurringWord(w, 3) for w in ("læring", "kultur", "tid")],
                categories=[
                    CategoryFinding(f"Kategori {c}", THEMES[c % 3], 4, codes[c::4])
                    for c in range(4)
                ],
                findings=[f"Hovedfunn for {name}."],
            )
        )
    rows = [
        ThemeRow(theme, [ThemeCell((i * (t + 1)) % 7, models[i].gold_quotes[t]) for i in range(n)],
                 sum((i * (t + 1)) % 7 for i in range(n)))
        for t, theme in enumerate(THEMES)
    ]  # fmt: skip
    counts = [[(i + k) % 5 for i in range(n)] for k in range(n_codes)]
    return StudyReport(
        title="Syntetisk studie",
        problem_statement="Skalerer rapportene?",
        language="nb",
        generated_at="2026-01-01T00:00:00Z",
        cycle=2,
        research_questions=["RQ1", "RQ2"],
        analysis_models=models,
        theme_matrix=ThemeMatrix(interviews, rows),
        code_frequency=CodeFrequency(interviews, code_names, counts),
        condensations=[
            Condensation(
                q, f"RQ{q}", THEMES, "Kondensert.", [m.gold_quotes[0] for m in models[:50]]
            )
            for q in (1, 2)
        ],
    )
