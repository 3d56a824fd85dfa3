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
    # --- refi ---
    "align_summary": {
        "en": "turns {lo}–{hi}: {timed} of {n} timed from the recording; {matched} of {words} "
        "written words matched ({coverage:.0%}: {exact} exact, {near} near); the machine text's "
        "word error rate against the written one is {wer:.2f}. Unmatched words and untimed turns "
        "keep the times they had.",
        "nb": "ytring {lo}–{hi}: {timed} av {n} fikk tider fra opptaket; {matched} av {words} "
        "skrevne ord ble koblet ({coverage:.0%}: {exact} like, {near} nesten like); "
        "maskinteksten har ordfeilrate {wer:.2f} mot den skrevne. Ord og ytringer uten "
        "kobling beholder tidene de hadde.",
    },
    "align_none": {
        "en": "{interview}: not aligned to a recording",
        "nb": "{interview}: ikke koblet til et opptak",
    },
    "align_model": {
        "en": "model: {model} (sha256 {sha}…), aligned {at}",
        "nb": "modell: {model} (sha256 {sha}…), koblet {at}",
    },
    "align_machine_text": {"en": "machine text: {text}", "nb": "maskintekst: {text}"},
    "demo_recording": {
        "en": "the recording of Intervju 1 (its first turns), transcribed on this machine and "
        "aligned to the written transcript",
        "nb": "opptaket av Intervju 1 (de første ytringene), transkribert på denne maskinen og "
        "koblet til den skrevne transkripsjonen",
    },
    "demo_recording_done": {
        "en": "recording of {interview} (turns {lo}–{hi}, espeak-ng): {timed} of {n} turns "
        "timed, {matched} of {words} written words matched to the machine words "
        "({coverage:.0%}; machine word error rate {wer:.2f} — synthetic Bokmål is robotic)"
        "{timing}",
        "nb": "opptak av {interview} (ytring {lo}–{hi}, espeak-ng): {timed} av {n} ytringer "
        "fikk tider, {matched} av {words} skrevne ord koblet til maskinordene ({coverage:.0%}; "
        "maskinens ordfeilrate {wer:.2f} — syntetisk bokmål er robotaktig){timing}",
    },
    "demo_recording_timing": {
        "en": "; turn starts within {seconds:.1f} s of the true ones",
        "nb": "; ytringenes start innen {seconds:.1f} s fra de sanne",
    },
    "demo_recording_skipped": {
        "en": "skipped the recording: {reason}",
        "nb": "hoppet over opptaket: {reason}",
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
