"""Words for the values kvali stores (interview modes, statuses, levels, kinds), per language.

A stored value such as ``in_person`` is data, not a message; the screens, reports and CLI show
it through ``term("mode", value)``. Each group is an explicit mapping to catalogue messages,
so extraction sees every word (a key computed at run time, ``t('mode_' ~ m)``, could not be
checked). A value no mapping knows (written by a newer kvali, or free text) is shown as stored.
"""

from __future__ import annotations

from kvali.i18n import N_, current_language, in_lang

TERMS: dict[str, dict[str, str]] = {
    "mode": {"in_person": N_("in person"), "hybrid": N_("hybrid"), "digital": N_("digital")},
    "member_check": {
        "not_offered": N_("not offered"),
        "sent": N_("sent"),
        "approved": N_("approved"),
        "changes_requested": N_("changes requested"),
        "declined": N_("declined"),
    },
    "code_level": {"theme": N_("theme"), "category": N_("category"), "code": N_("code")},
    "code_change": {
        "rename": N_("Rename"),
        "move": N_("Move"),
        "merge": N_("Merge"),
        "split": N_("Split"),
    },
    "guide_node": {"topic": N_("Topic"), "question": N_("Question"), "keyword": N_("Keyword")},
    "guide_delete": {
        "topic": N_("Delete this topic with its questions and their keywords?"),
        "question": N_("Delete this question and its keywords?"),
        "keyword": N_("Delete this keyword?"),
    },
    "memo_kind": {
        "analytic": N_("analytic memo"),
        "reflexivity": N_("reflexivity journal"),
        "condensation": N_("condensation"),
    },
    "memo_target": {
        "study": N_("study"),
        "interview": N_("Interview"),
        "participant": N_("participant"),
        "code": N_("Code"),
        "coding": N_("Coding"),
        "research_question": N_("research question"),
    },
    "role": {
        "interviewer": N_("interviewer"),
        "participant": N_("participant"),
        "other": N_("other"),
    },
    "gap_reason": {
        "no_text": N_("speech without text"),
        "repetition": N_("a decoding loop"),
    },
    "job_status": {
        "queued": N_("queued"),
        "running": N_("running"),
        "done": N_("done"),
        "failed": N_("failed"),
    },
    "agreement_unit": {
        "char": N_("characters"),
        "turn": N_("speaker turns"),
        "sentence": N_("sentences"),
    },
    "review_kind": {
        "agree": N_("agree"),
        "boundary": N_("boundary"),
        "code": N_("different code"),
        "only_a": N_("only A"),
        "only_b": N_("only B"),
    },
    "framework_level": {
        "explicit": N_("explicit"),
        "implicit": N_("implicit"),
        "not_found": N_("not found"),
    },
    "matrix_columns": {"interview": N_("interviews"), "theme": N_("themes")},
    "suggestion_status": {
        "pending": N_("to review"),
        "accepted": N_("accepted"),
        "rejected": N_("rejected"),
        "stale": N_("stale (transcript changed)"),
    },
    "suggestion_order": {"score": N_("best score first"), "text": N_("as in the transcripts")},
    "suggestion_level": {"code": N_("codes"), "category": N_("categories"), "theme": N_("themes")},
    "suggestion_folds": {"interview": N_("interview"), "turn": N_("turn")},
    # why a suggester is learned or zero-shot; formatted with the reason's values
    "suggestion_reason": {
        "few_codings": N_("{n} codings at the {level} level; learning needs {need}"),
        "few_segments": N_("too few indexed segments"),
        "asked": N_("zero-shot asked for"),
        "few_labels": N_("codings of fewer than two labels"),
        "zero_better": N_(
            "zero-shot agreed clearly better with your codings on held-out folds (p = {p})"
        ),
        "learned": N_("learned from {n} codings"),
        "learned_kept": N_(
            "learned kept: zero-shot did better on these folds, but within chance (p = {p}, sign test)"
        ),
    },
    "cluster_status": {
        "candidate": N_("candidate"),
        "named": N_("named"),
        "merged": N_("merged"),
        "rejected": N_("rejected"),
    },
    "cluster_source": {
        "uncoded": N_("uncoded (current cycle)"),
        "first_cycle": N_("coded in the first cycle"),
    },
    "pz_status": {"pending": N_("pending"), "accepted": N_("accepted"), "rejected": N_("rejected")},
    "pz_style": {
        "thesis": N_("thesis: xxx (navn på ansatt)"),
        "tags": N_("tags: [PERSON-3]"),
        "pseudonyms": N_("pseudonyms: realistic stand-ins"),
    },
    "pz_applied": {
        "transcripts": N_("Transcripts"),
        "replacements": N_("Replacements"),
        "codings_moved": N_("Codings moved"),
        "memos": N_("Memos"),
    },
    "weights_status": {
        "verified": N_("verified"),
        "missing": N_("missing"),
        "changed": N_("changed (sha256 differs from the lock)"),
        "not installed": N_("not installed"),
    },
    "report_format": {
        "md": N_("Markdown"),
        "html": N_("HTML with charts"),
        "docx": N_("Word (DOCX)"),
        "xlsx": N_("Excel (XLSX)"),
        "csv": N_("CSV tables (zip)"),
        "json": N_("JSON"),
    },
}


def term(group: str, value: object, lang: str | None = None) -> str:
    """``value`` of ``group`` in words (``lang`` or the current language); unknown: as stored."""
    message = TERMS[group].get(str(value))
    if message is None:
        return "" if value is None else str(value)
    return in_lang(lang or current_language(), message)
