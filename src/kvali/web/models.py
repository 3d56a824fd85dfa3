"""What the API answers: one pydantic model per ``/api/...`` JSON answer (web/contract.py).

Routes name them with ``response_model=``, so ``/openapi.json`` states every field a script
may read and its type, and schemathesis' ``response_schema_conformance`` (tests/web) can fail.
FastAPI validates a route's answer against its model and sends the model's fields only, so a
model lists every key the route returns. Fields a route sends only sometimes have a default
and the route is declared with ``response_model_exclude_unset=True``: the key stays absent
when the route left it out, as before. The page twins' models are in ``web/page_models.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, PlainSerializer


def _iso(value: datetime) -> str:
    return value.isoformat()


# A moment, sent as Python's ``isoformat()`` (what the routes sent before they had models:
# ``+00:00`` on PostgreSQL, naive on SQLite), stated as a date-time string in the schema.
Timestamp = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json")]


class Out(BaseModel):
    """An answer's fields; keys a route does not return are not declared."""


# ---- shared pieces ---------------------------------------------------------------------------


class CodeBrief(Out):
    """An active code as the coding screen draws it."""

    id: int
    name: str
    path: str
    color: str


class CodingDetail(Out):
    """One coding with its code, coder, cycle, quoted text and speaker (``get_coding``)."""

    id: int
    transcript_id: int
    start_char: int
    end_char: int
    is_gold: bool
    removed_at: Timestamp | None
    removed_reason: str | None
    created_at: Timestamp
    code_id: int
    code: str
    color: str
    coder: str | None
    cycle: int
    study_id: int
    interview_id: int
    interview: str
    text: str
    speaker: str | None
    start_ms: int | None


class MemoOut(Out):
    id: int
    guid: str
    study_id: int
    target_type: str
    target_id: int | None
    kind: str
    title: str
    text: str
    author: str
    created_at: Timestamp
    updated_at: Timestamp


class InterviewOut(Out):
    id: int
    guid: str
    study_id: int
    label: str
    date: date | None
    mode: str
    duration_s: int | None
    audio_path: str | None
    created_at: Timestamp
    transcript_id: int | None
    char_count: int | None
    pseudonymized: bool
    participants: list[str]
    interviewers: list[str]


class ParticipantOut(Out):
    id: int
    code: str
    member_check_status: str
    member_check_comments: str | None
    consent_date: date | None
    consent_document: str | None
    withdrawn: bool
    attributes: dict[str, str]  # the participant's own case attributes: name → value


class BlindCoder(Out):
    name: str
    done_at: Timestamp | None


class BlindState(Out):
    """A transcript's blind round; ``opened_at`` only once the transcript ever had one."""

    transcript_id: int
    blind: bool
    open: bool
    opened_at: Timestamp | None = None
    coders: list[BlindCoder]


class GuideCounts(Out):
    topics: int
    questions: int
    keywords: int


# ---- study, guide, memos, events -------------------------------------------------------------


class GuideNodeOut(Out):
    id: int
    text: str


class GuideDeleted(Out):
    deleted: GuideCounts


# ---- participants and interviews ---------------------------------------------------------------


class WithdrawalOut(Out):
    """What a withdrawal erased (``withdraw_participant``)."""

    participant: str
    interviews_deleted: list[str]
    interviews_with_turns_removed: list[str]
    turns: int
    codings: int
    memos: int
    events_redacted: int
    files: list[str]
    vectors_erased: int
    keys_destroyed: list[str]


class TranscriptImported(Out):
    transcript_id: int


# ---- coding screen -----------------------------------------------------------------------------

# A turn as a compact array: [position, speaker, role, start_ms, start, end, text].
CompactTurn = list[int | str | None]
# A coding as a compact array: [id, code_id, start, end, gold].
CompactCoding = list[int]


class TurnChunk(Out):
    offset: int
    turns: list[CompactTurn]


class CodingState(Out):
    """What the coding screen needs to draw its bars and keep two tabs in step."""

    codings: list[CompactCoding]
    codes: list[CodeBrief]
    event_id: int


class CodingOut(Out):
    """A coding written: compact and whole; ``codes`` when a new code was made with it."""

    coding: CompactCoding
    detail: CodingDetail
    codes: list[CodeBrief] | None = None


class CodingWithMemos(Out):
    coding: CompactCoding
    detail: CodingDetail
    memos: list[MemoOut]


class CodingUpdated(Out):
    coding: CompactCoding
    detail: CodingDetail
    replaced: int | None  # the closed coding's id when the code changed (a new row)


# ---- codebook ----------------------------------------------------------------------------------


class MergeOut(Out):
    codings_moved: int


class SplitOut(Out):
    codes: dict[str, int]  # new code name → its id
    codings: dict[str, int]  # new code name → codings it took


class CycleOut(Out):
    number: int


# ---- transcription -----------------------------------------------------------------------------


class AudioOut(Out):
    job_id: int
    audio_path: str


class JobOut(Out):
    """A job row with its fraction done and an estimate of the time left."""

    id: int
    kind: str
    status: str
    done: float | None
    total: float | None
    message: str | None
    error: str | None
    attempts: int
    interview: str | None
    result: dict[str, Any] | None  # what the job kind reports when done (transcribe: turns)
    fraction: float | None
    eta_s: float | None


# ---- blind coding and review -------------------------------------------------------------------


class ResolveOut(Out):
    id: int
    replaced_ids: list[int]
    consensus_ids: list[int]
    memo_id: int | None


class AcceptedOut(Out):
    accepted: int


# ---- frameworks --------------------------------------------------------------------------------


class CodeIdsOut(Out):
    code_ids: list[int]


# ---- suggestions and categories ----------------------------------------------------------------


class SuggesterSummary(Out):
    """Where suggestions come from at a level and how well they agree (``StudyModel.summary``)."""

    level: str
    mode: str
    reason: str
    reason_code: str
    reason_values: dict[str, Any]  # the values of the reason's message, by placeholder
    threshold: float | None
    threshold_kind: str
    labels: int
    evaluation: dict[str, Any] | None  # held-out folds, abstention, learning curve; None: none


class IndexUpdate(Out):
    embedded: int
    reused: int
    removed: int


class SuggestionRun(Out):
    segments: int
    created: int
    stale: int
    model: SuggesterSummary
    index: IndexUpdate


class CodingsBySuggestion(Out):
    codings: dict[str, int]  # suggestion id → the coding it became


class RejectedIds(Out):
    rejected: list[int]


class CodingIdOut(Out):
    coding_id: int


class Quote(Out):
    interview: str
    text: str


class CategoryProposed(Out):
    id: int
    label: str
    size: int
    quotes: list[Quote]


class CategoriesProposed(Out):
    categories: list[CategoryProposed]


class CategoryNamed(Out):
    id: int
    name: str
    code_id: int | None
    suggestions: int


class CategoryMerged(Out):
    id: int
    size: int


class RejectedId(Out):
    rejected: int


# ---- exchange ----------------------------------------------------------------------------------


class ImportOut(Out):
    study_id: int
    counts: dict[str, int]  # what the file held and what was made of it, by name
    warnings: list[str]
    file: str


# ---- pseudonymization --------------------------------------------------------------------------


class RemovedId(Out):
    removed: int


class DetectedTranscript(Out):
    interview: str
    transcript_id: int
    language: str | None
    suggestions: int


class DetectOut(Out):
    transcripts: list[DetectedTranscript]
    suggestions: int


class DecisionOut(Out):
    status: str
    suggestions: int


class EntityDecision(Out):
    status: str
    entity: int
    suggestions: int


class EntityCategory(Out):
    entity: int
    category: str


class LabelCategory(Out):
    label: str
    category: str
    entities: int


class SpansAdded(Out):
    added: int


class ApplyOut(Out):
    style: str
    transcripts: int
    replacements: int
    codings_moved: int
    removed: int
    speakers: int
    memos: int
    key_file: str
    deleted_files: list[str]
    vectors_erased: int


class KeyEntry(Out):
    id: int
    label: str
    category: str | None
    original: str
    replacement: str


class KeyOut(Out):
    key_file: str
    entries: list[KeyEntry]


class KeyDestroyed(Out):
    destroyed: bool
