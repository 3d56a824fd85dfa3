"""Plain data of the thesis' three analysis tables (Figures 2–4) plus chart data.

Built by :mod:`kvali.reports.build` from the database; rendered by :mod:`kvali.reports.render`
into Markdown, HTML, DOCX, XLSX, CSV and JSON. Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Quote:
    """A coded passage, with where it comes from."""

    interview: str
    participant: str | None
    text: str
    codes: list[str]
    start_char: int
    end_char: int
    start_ms: int | None = None
    gold: bool = False


@dataclass
class RecurringCode:
    code: str
    category: str | None
    theme: str | None
    count: int


@dataclass
class RecurringWord:
    word: str
    count: int


@dataclass
class CategoryFinding:
    """Column 3 of the analysis model: a category with the codes that fed it."""

    category: str
    theme: str | None
    count: int
    codes: list[RecurringCode] = field(default_factory=list)


@dataclass
class AnalysisModel:
    """Thesis Figure 2, one per interview: gold quotes | repeated statements | categories/findings."""

    interview: str
    participants: list[str]
    mode: str
    date: str | None
    gold_quotes: list[Quote]
    recurring_codes: list[RecurringCode]
    recurring_words: list[RecurringWord]
    categories: list[CategoryFinding]
    findings: list[str]


@dataclass
class ThemeCell:
    count: int
    quote: Quote | None


@dataclass
class ThemeRow:
    theme: str
    cells: list[ThemeCell]  # one per interview, in ThemeMatrix.interviews order
    total: int


@dataclass
class ThemeMatrix:
    """Thesis Figure 3: theme × interview, counts and the strongest quote per cell."""

    interviews: list[str]
    rows: list[ThemeRow]


@dataclass
class CodeFrequency:
    """Codings per code per interview (chart data)."""

    interviews: list[str]
    codes: list[str]
    counts: list[list[int]]  # counts[i][j]: code i in interview j


@dataclass
class Condensation:
    """Thesis Figure 4: per research question, its themes, condensed meaning and quotes."""

    position: int
    question: str
    themes: list[str]
    condensed_meaning: str
    quotes: list[Quote]


@dataclass
class SectionTable:
    """A plain table of a further report section (talk statistics, agreement, …)."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class SectionChart:
    """A bar chart: one bar per label."""

    title: str
    labels: list[str]
    values: list[float]


@dataclass
class Section:
    """A further analysis that feature areas add to the report, already in the report's language;
    every renderer shows its tables (and the HTML its charts) after the thesis' three tables."""

    key: str
    title: str
    intro: str = ""
    tables: list[SectionTable] = field(default_factory=list)
    charts: list[SectionChart] = field(default_factory=list)


@dataclass
class StudyReport:
    title: str
    problem_statement: str
    language: str
    generated_at: str
    cycle: int
    research_questions: list[str]
    analysis_models: list[AnalysisModel]
    theme_matrix: ThemeMatrix
    code_frequency: CodeFrequency
    condensations: list[Condensation]
    extra: dict[str, Any] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
