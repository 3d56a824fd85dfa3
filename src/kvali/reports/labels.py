"""Report headings, column names and chart labels in English and Norwegian Bokmål.

Kept in one table so every renderer (Markdown, HTML, DOCX, XLSX, CSV) says the same thing, and so
a test can check that both languages define every key. Some labels are ``str.format`` templates
(``{n}``, ``{total}``); the caller fills them in.
"""

from __future__ import annotations

from kvali.errors import InputError

LANGS: tuple[str, ...] = ("en", "nb")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        # Sections (thesis Figures 2–4)
        "problem_statement": "Problem statement",
        "research_questions": "Research questions",
        "research_question": "Research question",
        "analysis_model": "Analysis model",
        "gold_quotes": "Gold quotes – the clearest quotes",
        "repeated_statements": "Repeated and reinforced statements",
        "categories_findings": "Categories and main findings",
        "theme_overview": "Theme overview",
        "condensation": "Condensation per research question",
        "condensed_meaning": "Condensed meaning",
        "supporting_quotes": "Supporting quotes",
        "code_frequency": "Code frequency per interview",
        "contents": "Contents",
        # Interview metadata
        "interview": "Interview",
        "participant": "Participant",
        "participants": "Participants",
        "mode": "Mode",
        "date": "Date",
        "mode_in_person": "in person",
        "mode_hybrid": "hybrid",
        "mode_digital": "digital",
        "generated_at": "Generated",
        "cycle": "Coding cycle",
        "none": "(none)",
        # Item kinds and columns
        "column": "Column",
        "kind": "Kind",
        "item": "Item",
        "count": "Count",
        "details": "Details",
        "time": "Time",
        "gold_quote": "Gold quote",
        "recurring_code": "Recurring code",
        "recurring_codes": "Recurring codes",
        "recurring_word": "Recurring word",
        "recurring_words": "Recurring words",
        "category": "Category",
        "categories": "Categories",
        "finding": "Finding",
        "findings": "Main findings",
        "code": "Code",
        "codes": "Codes",
        "theme": "Theme",
        "themes": "Themes",
        "total": "Total",
        "quote": "Quote",
        "strongest_quote": "Strongest quote",
        "position": "No.",
        "text": "Text",
        # Spreadsheet sheet names (≤ 31 characters)
        "sheet_analysis_model": "Analysis model",
        "sheet_theme_matrix": "Theme matrix",
        "sheet_theme_quotes": "Theme quotes",
        "sheet_condensation": "Condensation",
        "sheet_code_frequency": "Code frequency",
        # Charts
        "chart_codings": "Codings",
        "chart_code_frequency_title": "Code frequency per interview",
        "chart_heatmap_title": "Theme × interview",
        "chart_top_codes": "Showing the top {n} of {total} codes by total count.",
        "chart_other_interviews": "Other ({n} interviews)",
        "chart_counts_in_tooltips": "The cells are too small for numbers; hover a cell for its count.",
        "chart_scale": "Count",
        "chart_no_data": "No codings yet.",
    },
    "nb": {
        "problem_statement": "Problemstilling",
        "research_questions": "Forskerspørsmål",
        "research_question": "Forskerspørsmål",
        "analysis_model": "Analysemodell",
        "gold_quotes": "Gullet – de tydeligste sitatene",
        "repeated_statements": "Gjentatte og forsterka tydelige utsagn",
        "categories_findings": "Kategorier og hovedfunn",
        "theme_overview": "Tematisk oversikt",
        "condensation": "Kondenserte data ut fra forskerspørsmål",
        "condensed_meaning": "Kondensert mening",
        "supporting_quotes": "Støttende sitater",
        "code_frequency": "Kodefrekvens per intervju",
        "contents": "Innhold",
        "interview": "Intervju",
        "participant": "Deltaker",
        "participants": "Deltakere",
        "mode": "Intervjuform",
        "date": "Dato",
        "mode_in_person": "fysisk",
        "mode_hybrid": "hybrid",
        "mode_digital": "digitalt",
        "generated_at": "Generert",
        "cycle": "Kodesyklus",
        "none": "(ingen)",
        "column": "Kolonne",
        "kind": "Type",
        "item": "Element",
        "count": "Antall",
        "details": "Detaljer",
        "time": "Tid",
        "gold_quote": "Gullsitat",
        "recurring_code": "Gjentatt kode",
        "recurring_codes": "Gjentatte koder",
        "recurring_word": "Gjentatt ord",
        "recurring_words": "Gjentatte ord",
        "category": "Kategori",
        "categories": "Kategorier",
        "finding": "Funn",
        "findings": "Hovedfunn",
        "code": "Kode",
        "codes": "Koder",
        "theme": "Tema",
        "themes": "Temaer",
        "total": "Totalt",
        "quote": "Sitat",
        "strongest_quote": "Sterkeste sitat",
        "position": "Nr.",
        "text": "Tekst",
        "sheet_analysis_model": "Analysemodell",
        "sheet_theme_matrix": "Tematisk oversikt",
        "sheet_theme_quotes": "Temasitater",
        "sheet_condensation": "Kondensering",
        "sheet_code_frequency": "Kodefrekvens",
        "chart_codings": "Kodinger",
        "chart_code_frequency_title": "Kodefrekvens per intervju",
        "chart_heatmap_title": "Tema × intervju",
        "chart_top_codes": "Viser de {n} hyppigste av {total} koder (etter totalt antall).",
        "chart_other_interviews": "Andre ({n} intervjuer)",
        "chart_counts_in_tooltips": "Cellene er for små for tall; hold musepekeren over en celle for antallet.",
        "chart_scale": "Antall",
        "chart_no_data": "Ingen kodinger ennå.",
    },
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if reports can speak it; a wrong language is the user's input, not a bug."""
    if lang not in LABELS:
        raise InputError(f"unknown report language {lang!r}; choose one of {', '.join(LANGS)}")
    return lang


def label(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang``; KeyError on an unknown key (a programming error)."""
    return LABELS[check_lang(lang)][key]


def mode_label(mode: str, lang: str) -> str:
    """Interview mode (``in_person``/``hybrid``/``digital``) in words; unknown modes pass through."""
    table = LABELS[check_lang(lang)]
    return table.get(f"mode_{mode}", mode)
