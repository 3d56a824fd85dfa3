"""Interface messages in English and Norwegian Bokmål.

The language comes from ``--lang`` / ``$KVALI_LANG``, else from the locale (``nb``, ``nn`` and
``no`` give Bokmål). Data is never translated, only kvali's own words.
"""

from __future__ import annotations

import os
from contextvars import ContextVar

LANGUAGES = ("en", "nb")

MESSAGES: dict[str, dict[str, str]] = {
    "error": {"en": "error: {message}", "nb": "feil: {message}"},
    "project_created": {
        "en": "created project {path} ({backend})",
        "nb": "opprettet prosjekt {path} ({backend})",
    },
    "demo_ready": {
        "en": "demo study ready in {path} ({seconds:.1f} s)",
        "nb": "demostudien er klar i {path} ({seconds:.1f} s)",
    },
    "demo_report": {"en": "  report: {path}", "nb": "  rapport: {path}"},
    "demo_next": {
        "en": "next: kvali --project {path} serve --open   (the workbench)   ·   {path}/exports/report.html",
        "nb": "neste: kvali --project {path} serve --open   (arbeidsbenken)   ·   {path}/exports/report.html",
    },
    "hits": {"en": "({n} hits)", "nb": "({n} treff)"},
    "none": {"en": "(none)", "nb": "(ingen)"},
    "study_created": {"en": "study {id} created", "nb": "studie {id} opprettet"},
    "participant_added": {"en": "participant {code} added", "nb": "deltaker {code} lagt til"},
    "interview_added": {"en": "interview {label!r} added", "nb": "intervju {label!r} lagt til"},
    "codes_created": {"en": "{n} codes created", "nb": "{n} koder opprettet"},
    "coding_created": {"en": "coding {id}", "nb": "koding {id}"},
    "codings_imported": {"en": "{n} codings imported", "nb": "{n} kodinger importert"},
    "codings_moved": {
        "en": "{n} codings moved to {target}",
        "nb": "{n} kodinger flyttet til {target}",
    },
    "cycle_started": {"en": "cycle {n} started", "nb": "kodesyklus {n} startet"},
    "memo_created": {"en": "memo {id}", "nb": "notat {id}"},
    "turns_imported": {
        "en": "{n} turns imported; speakers: {speakers}",
        "nb": "{n} ytringer importert; talere: {speakers}",
    },
    "turns_updated": {"en": "{n} turns updated", "nb": "{n} ytringer oppdatert"},
    "text_edited": {
        "en": "version {version}: {codings_moved} codings moved, {codings_removed} removed",
        "nb": "versjon {version}: {codings_moved} kodinger flyttet, {codings_removed} fjernet",
    },
    "guide_imported": {
        "en": "guide: {topics} topics, {questions} questions, {keywords} keywords",
        "nb": "intervjuguide: {topics} temaer, {questions} spørsmål, {keywords} stikkord",
    },
    "withdraw_plan": {
        "en": "Withdrawing {code} erases for good:",
        "nb": "Når {code} trekker seg, slettes for godt:",
    },
    "withdraw_interviews": {"en": "  interviews: {labels}", "nb": "  intervjuer: {labels}"},
    "withdraw_counts": {
        "en": "  turns: {turns}, codings: {codings}, files: {files}",
        "nb": "  ytringer: {turns}, kodinger: {codings}, filer: {files}",
    },
    "withdraw_confirm": {"en": "Continue?", "nb": "Fortsette?"},
    "withdraw_done": {"en": "{code} withdrawn. Erased:", "nb": "{code} har trukket seg. Slettet:"},
    "withdraw_group": {
        "en": "  turns removed from group interviews: {labels}",
        "nb": "  ytringer fjernet fra gruppeintervjuer: {labels}",
    },
    "withdraw_summary": {
        "en": "  turns: {turns}  codings: {codings}  memos: {memos}  event payloads redacted: {events}",
        "nb": "  ytringer: {turns}  kodinger: {codings}  notater: {memos}  hendelser sladdet: {events}",
    },
    "withdraw_file": {"en": "  file: {path}", "nb": "  fil: {path}"},
    # --- suggest ---
    "sg_learned": {
        "en": "{level}: learned from {n} codings; held-out agreement with your coding "
        "({folds} folds by {by}): κ {kappa} · accuracy {accuracy} (zero-shot: κ {zkappa} · "
        "accuracy {zaccuracy})",
        "nb": "{level}: lært av {n} kodinger; samsvar med kodingen din på holdt-ut data "
        "({folds} folder etter {by}): κ {kappa} · treffsikkerhet {accuracy} (uten eksempler: "
        "κ {zkappa} · treffsikkerhet {zaccuracy})",
    },
    "sg_zero_shot": {
        "en": "{level}: zero-shot from the codes' descriptions ({reason})",
        "nb": "{level}: uten eksempler, fra kodenes beskrivelser ({reason})",
    },
    "sg_zero_measured": {
        "en": "  measured on your {n} codings: κ {kappa} · accuracy {accuracy} "
        "(learned would be: κ {lkappa} · accuracy {laccuracy})",
        "nb": "  målt på dine {n} kodinger: κ {kappa} · treffsikkerhet {accuracy} "
        "(lært ville gitt: κ {lkappa} · treffsikkerhet {laccuracy})",
    },
    "sg_abstain": {
        "en": "  abstains below probability {threshold}: answered {coverage} of held-out codings, "
        "right {precision} of the time{note}",
        "nb": "  avstår under sannsynlighet {threshold}: svarte på {coverage} av de holdt-ut "
        "kodingene, riktig {precision} av gangene{note}",
    },
    "sg_target_missed": {
        "en": " (the target {target} is not reached on this study)",
        "nb": " (målet {target} nås ikke i denne studien)",
    },
    "sg_curve": {
        "en": "  learning curve (held-out): codings → accuracy, κ",
        "nb": "  læringskurve (holdt-ut): kodinger → treffsikkerhet, κ",
    },
    "sg_fallback": {
        "en": "  from the description only (fewer than {n} codings): {codes}",
        "nb": "  bare fra beskrivelsen (færre enn {n} kodinger): {codes}",
    },
    "sg_run_done": {
        "en": "{created} suggestions for {segments} segments; review with 'kvali suggest list'",
        "nb": "{created} forslag for {segments} utdrag; gå gjennom dem med 'kvali suggest list'",
    },
    "sg_needs_project": {
        "en": "without --codebook, suggest-codes learns from a project's codings: "
        "give --project DIR (or $KVALI_PROJECT)",
        "nb": "uten --codebook lærer suggest-codes av et prosjekts kodinger: "
        "oppgi --project MAPPE (eller $KVALI_PROJECT)",
    },
    "sg_by_interview": {"en": "interview", "nb": "intervju"},
    "sg_by_turn": {"en": "turn", "nb": "ytring"},
    "sg_why_few_codings": {
        "en": "{n} codings at the {level} level; learning needs {need}",
        "nb": "{n} kodinger på nivået {level}; læring trenger {need}",
    },
    "sg_why_few_segments": {"en": "too few indexed segments", "nb": "for få indekserte utdrag"},
    "sg_why_asked": {"en": "zero-shot asked for", "nb": "uten eksempler, som bedt om"},
    "sg_why_few_labels": {
        "en": "codings of fewer than two labels",
        "nb": "kodinger av færre enn to koder",
    },
    "sg_why_zero_better": {
        "en": "zero-shot agreed clearly better with your codings on held-out folds (p = {p})",
        "nb": "uten eksempler stemte klart bedre med kodingene dine på holdt-ut data (p = {p})",
    },
    "sg_why_learned": {"en": "learned from {n} codings", "nb": "lært av {n} kodinger"},
    "sg_why_learned_kept": {
        "en": "learned kept: zero-shot did better on these folds, but within chance "
        "(p = {p}, sign test)",
        "nb": "lært beholdt: uten eksempler gjorde det bedre på disse foldene, men innenfor "
        "tilfeldighetene (p = {p}, fortegnstest)",
    },
}

_lang: ContextVar[str | None] = ContextVar("kvali_lang", default=None)


def default_language() -> str:
    env = os.environ.get("KVALI_LANG") or os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "nb" if env[:2].lower() in ("nb", "nn", "no") else "en"


def set_language(lang: str | None) -> None:
    _lang.set(lang if lang in LANGUAGES else None)


def current_language() -> str:
    return _lang.get() or default_language()


def _(key: str, **values: object) -> str:
    """The message ``key`` in the current language, formatted with ``values``."""
    entry = MESSAGES[key]
    return entry.get(current_language(), entry["en"]).format(**values)
