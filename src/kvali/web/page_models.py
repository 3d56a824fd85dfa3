"""What the pages' JSON twins answer (``/overview.json``, ``Accept: application/json``).

A page route returns its own response (HTML or the twin's JSON), so FastAPI neither filters
nor validates it: these models only state the answer in ``/openapi.json``, where
schemathesis checks every twin's JSON against them (tests/web/test_contract.py). Each states
every top-level key with its type, so a key missing, renamed or of another type fails the
contract. Parts that are large and belong to another package's report (agreement, coverage,
the framework matrix, the report itself) are ``dict[str, Any]``; those packages test them.
A page's HTML route answers JSON too (``Accept: application/json``): the same model, except
where the HTML route's data differs (the coding screen's, the reports page's).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kvali.web.models import (
    BlindState,
    CodeBrief,
    CompactCoding,
    CompactTurn,
    InterviewOut,
    JobOut,
    MemoOut,
    Out,
    ParticipantOut,
    Timestamp,
)


class IdLabel(Out):
    id: int
    label: str


class CodePath(Out):
    id: int
    path: str


class CodeRow(Out):
    """A code in the codebook tree (``codes.list_codes``)."""

    id: int
    name: str
    level: str
    parent_id: int | None
    path: str
    depth: int
    description: str
    color: str
    status: str
    codings: int


# ---- study -------------------------------------------------------------------------------------


class StudyOut(Out):
    id: int
    guid: str
    title: str
    problem_statement: str
    language: str
    guide_introduction: str
    created_at: Timestamp
    research_questions: list[dict[str, Any]]


class ProgressRow(Out):
    interview_id: int
    label: str
    mode: str
    date: str | None
    transcript_id: int | None
    transcribed: bool
    pseudonymized: bool
    chars: int
    codings: int
    coded: bool


class OverviewPage(Out):
    study: StudyOut
    stats: dict[str, int]  # participants, interviews, turns, words, codes, codings, …
    progress: list[ProgressRow]


class GuideNode(Out):
    id: int
    parent_id: int | None
    kind: str
    position: int
    text: str


class KeywordNode(Out):
    id: int
    text: str


class GuidePage(Out):
    guide: dict[str, Any]  # introduction and the topic → question → keyword tree
    markdown: str
    nodes: list[GuideNode]
    keyword_nodes: dict[str, list[KeywordNode]]  # question id → its keywords


class MemosPage(Out):
    memos: list[MemoOut]
    kind: str | None
    kinds: list[str]


class EventOut(Out):
    id: int
    study_id: int | None
    created_at: Timestamp
    actor: str
    action: str
    entity: str
    entity_id: int | None
    payload: dict[str, Any]  # ids and counts the action recorded, never transcript text


class EventsPage(Out):
    events: list[EventOut]
    entity: str | None


# ---- participants and interviews ---------------------------------------------------------------


class ParticipantsPage(Out):
    participants: list[ParticipantOut]
    statuses: list[str]


class WithdrawalPlan(Out):
    participant: str
    participant_id: int
    interviews_deleted: list[str]
    interviews_with_turns_removed: list[str]
    interview_ids: list[int]
    shared_interview_ids: list[int]
    transcript_ids: list[int]
    coding_ids: list[int]
    turns: int
    codings: int
    files: list[str]
    key_files: list[str]


class WithdrawPage(Out):
    plan: WithdrawalPlan


class InterviewsPage(Out):
    interviews: list[InterviewOut]
    participants: list[ParticipantOut]


# ---- coding screen and codebook ----------------------------------------------------------------


class TranscriptPage(Out):
    """``transcript.json``: every turn as a compact array, every coding compact."""

    interview: InterviewOut
    transcript_id: int
    turn_count: int
    cycle: int
    blind: BlindState | None
    me: str
    codings: list[CompactCoding]
    codes: list[CodeBrief]
    event_id: int
    turns: list[CompactTurn]
    turn_fields: list[str]
    coding_fields: list[str]


class TranscriptScreen(Out):
    """The coding screen's data (its HTML route with ``Accept: application/json``): the first
    turns as objects and ``boot``, what the page script starts from."""

    interview: InterviewOut
    transcript_id: int
    turn_count: int
    cycle: int
    blind: BlindState | None
    me: str
    codings: list[CompactCoding]
    codes: list[CodeBrief]
    event_id: int
    turns: list[dict[str, Any]]
    boot: dict[str, Any]


class CycleRow(Out):
    number: int
    name: str
    started_at: Timestamp
    codings: int
    codings_removed: int


class CodeChange(Out):
    """A rename, move, merge or split, with the code paths before and after."""

    cycle: int
    kind: str
    from_: list[Any] = Field(alias="from")
    to: list[Any]
    actor: str
    at: Timestamp


class CodebookPage(Out):
    codes: list[CodeRow]
    history: list[CodeChange]
    cycles: list[CycleRow]
    inactive: bool


class SplitCoding(Out):
    id: int
    interview: str
    speaker: str | None
    start_char: int
    end_char: int
    text: str
    coder: str | None
    is_gold: bool


class SplitPage(Out):
    code: CodeRow
    codings: list[SplitCoding]


# ---- search and reports ------------------------------------------------------------------------


class SearchHit(Out):
    """A full-text hit (a turn, with match offsets) or, with ``semantic``, a passage nearest
    in meaning (``segment_id``, its span and text, a score)."""

    transcript_id: int
    interview: str
    interview_id: int | None
    mode: str
    speaker: str
    role: str
    start_ms: int | None
    start_char: int
    turn_id: int
    snippet: str
    matches: list[list[int]]  # [start, end] code-point offsets of each match
    segment_id: int | None = None
    end_char: int | None = None
    text: str | None = None
    score: float | None = None


class SearchPage(Out):
    q: str
    code: str
    attr: str
    mode: str
    semantic: bool
    message: str
    hits: list[SearchHit]
    codes: list[CodePath]
    modes: list[str]


class ReportData(Out):
    """``reports.json``: the report model as ``kvali report --format json`` writes it."""

    title: str
    problem_statement: str
    language: str
    generated_at: str
    cycle: int | None
    research_questions: list[str]
    analysis_models: list[dict[str, Any]]
    theme_matrix: dict[str, Any]
    code_frequency: dict[str, Any]
    condensations: list[dict[str, Any]]
    extra: dict[str, Any]
    sections: list[dict[str, Any]]


class ReportsPage(Out):
    """The reports page's own data (its HTML route with ``Accept: application/json``)."""

    formats: list[str]
    report_lang: str
    cycle: int | None
    title: str


# ---- transcription -----------------------------------------------------------------------------


class TranscriptionInterview(Out):
    id: int
    label: str
    has_transcript: bool


class TranscriptionPage(Out):
    interviews: list[TranscriptionInterview]
    jobs: list[JobOut]


class TalkstatsPage(Out):
    interviews: list[dict[str, Any]]  # speaking time, words, turns, backchannels per interview
    modes: list[dict[str, Any]]  # the same per interview mode


# ---- analysis ----------------------------------------------------------------------------------


class BlindRound(BlindState):
    interview: str
    interview_id: int | None


class BlindPage(Out):
    rounds: list[BlindRound]
    interviews: list[IdLabel]
    users: list[str]
    me: str


class ReviewCoding(Out):
    id: int
    code: str
    code_id: int
    start_char: int
    end_char: int
    text: str


class ReviewItem(Out):
    """One difference between the two coders (or an agreement), with each one's codings."""

    key: str
    transcript_id: int
    kind: str
    start_char: int
    end_char: int
    text: str
    coders: list[str]
    a: list[ReviewCoding]
    b: list[ReviewCoding]


class Resolution(Out):
    id: int
    kind: str
    actor: str
    created_at: Timestamp
    memo_id: int | None
    replaced: list[dict[str, Any]]
    consensus: list[dict[str, Any]]


class ReviewPage(Out):
    interview: IdLabel
    transcript_id: int
    blind: BlindState
    coders: list[str]
    items: list[ReviewItem]
    agreements: int
    history: list[Resolution]
    codes: list[CodePath]
    users: list[str]


class AgreementPage(Out):
    coder_a: str
    coder_b: str
    interview: str
    level: str
    uncoded: str
    levels: list[str]
    interviews: list[IdLabel]
    users: list[str]
    result: dict[str, Any] | None  # per code, per transcript and overall; None: no two coders
    message: str


class CoveragePage(Out):
    coverage: dict[str, Any]  # per interview and for the study: topics, questions, evidence
    interview: str


class ShippedFramework(Out):
    key: str
    name: str
    items: int


class FrameworkItem(Out):
    id: int
    guid: str
    framework_id: int
    position: int
    name: str
    description: str
    keywords: list[str]
    code_ids: list[int]
    codes: list[str]  # the linked codes' paths


class FrameworkOut(Out):
    id: int
    guid: str
    study_id: int
    name: str
    key: str | None
    language: str
    description: str
    created_at: Timestamp
    items: list[FrameworkItem]


class FrameworksPage(Out):
    frameworks: list[FrameworkOut]
    shipped: list[ShippedFramework]
    language: str
    languages: list[str]
    codes: list[CodePath]


class MatrixPage(Out):
    matrix: dict[str, Any]  # items × columns with evidence levels and passages
    levels: list[str]
    bys: list[str]


# ---- suggestions, categories, exchange, pseudonymization ---------------------------------------


class SuggestionRow(Out):
    id: int
    status: str
    score: float
    rank: int
    source: str
    transcript_id: int
    start_char: int
    end_char: int
    code: str
    interview: str
    interview_id: int | None
    speaker: str | None
    quote: str


class SuggestionsPage(Out):
    suggestions: list[SuggestionRow]
    status: str
    statuses: list[str]
    interview: str
    order: str
    orders: list[str]
    interviews: list[IdLabel]
    message: str
    level: str
    levels: list[str]


class CategoryRow(Out):
    id: int
    study_id: int
    label: str
    name: str | None
    status: str
    merged_into_id: int | None
    code_id: int | None
    source: str
    size: int
    created_at: str | None
    members: int
    quotes: list[str]


class CategoriesPage(Out):
    categories: list[CategoryRow]
    open: list[CategoryRow]
    codes: list[CodePath]
    sources: list[str]
    all: bool
    message: str


class StudyTitle(Out):
    id: int
    title: str


class ExchangePage(Out):
    study: StudyTitle
    imports: list[dict[str, Any]]  # when, by whom, and the counts of each past import
    accepts: list[str]


class PrivacyTerm(Out):
    id: int
    term: str
    label: str
    category: str | None


class PrivacyEntity(Out):
    """A name found in the study, with its decision and how often it occurs."""

    id: int
    label: str
    kind: str
    category: str | None
    text: str | None
    replacement: str | None
    status: str
    applied: bool
    occurrences: int


class PrivacySuggestion(Out):
    id: int
    entity_id: int
    interview: str
    interview_id: int | None
    transcript_id: int
    start_char: int
    end_char: int
    label: str
    score: float
    source: str
    status: str
    text: str
    category: str | None
    context: str


class PrivacyFilters(Out):
    status: str
    interview: str
    label: str
    source: str
    min_score: float | None


class PseudonymizePage(Out):
    terms: list[PrivacyTerm]
    entities: list[PrivacyEntity]
    last_apply: dict[str, Any] | None  # when, and the counts the last apply recorded
    suggestions: list[PrivacySuggestion]
    counts: dict[str, int]  # suggestions per status
    filters: PrivacyFilters
    statuses: list[str]
    labels: list[str]
    sources: list[str]
    styles: list[str]
    interviews: list[IdLabel]
    key_exists: bool
    view: dict[str, Any] | None  # one interview's text with its suggestions marked
