"""Pseudonymization review in the workbench (docs/pseudonymization.md): the study list, detection,
the suggestions with accept / reject per occurrence, per name everywhere or in bulk, missed spans
and categories. Apply and the key (show, destroy) are in ``privacy_key.py``, included here.

The same service functions as ``kvali pseudonymize``. Ids are checked before anything is written
(the services accept unknown suggestion ids silently), so a bad request is a 4xx and nothing
changed. The one passphrase here (detection may use the study list kept in the key) is handled
as in ``privacy_key``: JSON body only, ``SecretStr``, never stored or returned.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, SecretStr

from kvali.errors import InputError
from kvali.interviews.service import interview_id
from kvali.privacy.apply import known_terms
from kvali.privacy.detect import Term
from kvali.privacy.replace import STYLES
from kvali.privacy.service import (
    LABELS,
    STATUSES,
    add_span,
    add_term,
    check_entity,
    check_suggestions,
    detect_study,
    interview_label,
    last_apply,
    list_entities,
    list_suggestions,
    list_terms,
    remove_term,
    set_category,
    set_status,
    status_counts,
)
from kvali.transcripts.service import get_text, transcript_id_for
from kvali.web.common import page, project_of, retry_on_conflict, tx
from kvali.web.contract import Count, Id, IdOut, Ids, Name
from kvali.web.models import (
    DecisionOut,
    DetectOut,
    EntityCategory,
    EntityDecision,
    LabelCategory,
    RemovedId,
    SpansAdded,
)
from kvali.web.page_models import PseudonymizePage
from kvali.web.routes import privacy_key
from kvali.web.routes.privacy_key import key_path, secret
from kvali.web.routes.suggestions import transcribed

router = APIRouter()
router.include_router(privacy_key.router)  # apply and the key

SOURCES = ("list", "pattern", "model", "gazetteer", "propagated", "manual")
DECISIONS = {"accept": "accepted", "reject": "rejected", "reset": "pending"}
Decision = Literal["accept", "reject", "reset"]
Label = Literal["PER", "LOC", "ORG", "MISC"]


def _status(decision: str) -> str:
    if decision not in DECISIONS:
        raise InputError("decision must be one of {decisions}", decisions=", ".join(DECISIONS))
    return DECISIONS[decision]


def _segments(text: str, marks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The transcript cut into plain runs and marked suggestions, for the selection view."""
    out, pos = [], 0
    for m in sorted(marks, key=lambda m: m["start"]):
        if m["start"] < pos:
            continue  # overlaps an earlier mark: shown inside it
        if m["start"] > pos:
            out.append({"text": text[pos : m["start"]]})
        out.append({"text": text[m["start"] : m["end"]], **m})
        pos = m["end"]
    if pos < len(text):
        out.append({"text": text[pos:]})
    return out


@router.get(
    "/pseudonymize", summary="Pseudonymization review (HTML)", response_model=PseudonymizePage
)
@router.get(
    "/pseudonymize.json",
    summary="Study list, suggestions (filtered), names, key state and an optional transcript view",
    response_model=PseudonymizePage,
)
def privacy_page(
    request: Request,
    status: Literal["pending", "accepted", "rejected", ""] = "",
    interview: Annotated[str, Field(max_length=500)] = "",
    label: Label | Literal[""] = "",
    source: Literal["list", "pattern", "model", "gazetteer", "propagated", "manual", ""] = "",
    min_score: Annotated[float, Field(ge=0, le=1)] | None = None,
    view: Annotated[str, Field(max_length=500)] = "",
) -> Response:
    """Suggestions in text order; ``view`` (an interview) adds its text with the suggestions
    marked, where a missed name is added by selecting it."""
    for value, allowed, name in (
        (status, STATUSES, "status"),
        (label, LABELS, "label"),
        (source, SOURCES, "source"),
    ):
        if value and value not in allowed:
            raise InputError(
                "{name} must be one of {allowed} (or empty for all)",
                name=name,
                allowed=", ".join(allowed),
            )
    with tx(request) as (conn, sid):
        ivs = transcribed(conn, sid)
        rows = list_suggestions(
            conn, sid, status=status or None, interview=interview_label(conn, sid, interview)
        )
        counts = status_counts(conn, sid)
        shown = None
        if view.strip():
            view_label = interview_label(conn, sid, view)
            tid = transcript_id_for(conn, sid, view_label)
            marks = [
                {k: r[k] for k in ("id", "label", "status", "score")}
                | {"start": r["start_char"], "end": r["end_char"]}
                for r in list_suggestions(conn, sid, interview=view_label, context=0)
            ]
            iid = interview_id(conn, sid, view_label)
            shown = {"interview_id": iid, "interview": view_label, "text": get_text(conn, tid)}
            shown["marks"] = marks
        data = {
            "terms": list_terms(conn, sid),
            "entities": list_entities(conn, sid),
            "last_apply": last_apply(conn, sid),
        }
    ids = {i["label"]: i["id"] for i in ivs}
    for r in rows:
        r["interview_id"] = ids.get(r["interview"])
    rows = [
        r
        for r in rows
        if (not label or r["label"] == label)
        and (not source or r["source"] == source)
        and (min_score is None or r["score"] >= min_score)
    ]
    data |= {
        "suggestions": rows,
        "counts": counts,
        "filters": {
            "status": status,
            "interview": interview,
            "label": label,
            "source": source,
            "min_score": min_score,
        },
        "statuses": list(STATUSES),
        "labels": list(LABELS),
        "sources": list(SOURCES),
        "styles": list(STYLES),
        "interviews": ivs,
        "key_exists": key_path(request).exists(),
        "view": shown,
    }
    if request.url.path.endswith(".json") or not shown:
        return page(request, "privacy.html", data)
    return page(request, "privacy.html", data | {"segments": _segments(shown["text"], marks)})


class TermIn(BaseModel):
    term: Name = Field(description="A name that must always be masked")
    label: Label = Field(description="PER, LOC, ORG or MISC")
    category: Name | None = Field(None, description="Thesis-style label, e.g. «navn på skole»")


@router.post(
    "/api/privacy/terms",
    status_code=201,
    summary="Add a name to the study list",
    response_model=IdOut,
)
@retry_on_conflict
def term_add(request: Request, body: TermIn) -> dict:
    with tx(request) as (conn, sid):
        category = (body.category or "").strip() or None
        return {"id": add_term(conn, sid, term=body.term, label=body.label, category=category)}


@router.delete(
    "/api/privacy/terms/{term_id}",
    summary="Remove a name from the study list",
    response_model=RemovedId,
)
@retry_on_conflict
def term_remove(request: Request, term_id: Id) -> dict:
    with tx(request) as (conn, sid):
        remove_term(conn, sid, term_id)
    return {"removed": term_id}


class DetectIn(BaseModel):
    interview: Id | Name | None = Field(None, description="One interview; empty for the study")
    passphrase: SecretStr | None = Field(
        None, description="Optional: use the study list kept in the key by an earlier apply"
    )


@router.post(
    "/api/privacy/detect",
    summary="Detect names and store them as suggestions",
    response_model=DetectOut,
)
@retry_on_conflict
def detect(request: Request, body: DetectIn) -> dict:
    """A wrong passphrase fails before detection runs (nothing stored)."""
    passphrase = secret(body.passphrase, required=False)
    extra: list[Term] = []
    if passphrase:
        rows = known_terms(project_of(request), passphrase, key_path(request))
        extra = [Term(x["term"], x["label"], x["category"]) for x in rows]
    with tx(request) as (conn, sid):
        label = interview_label(conn, sid, body.interview)
        out = detect_study(conn, sid, interviews=[label] if label else None, extra_terms=extra)
    return {"transcripts": out, "suggestions": sum(r["suggestions"] for r in out)}


class DecideIn(BaseModel):
    ids: Ids = Field(default_factory=list, description="Suggestion ids (all or none)")
    all: bool = Field(False, description="Every pending suggestion (from min_score)")
    min_score: float | None = Field(None, ge=0, le=1, description="With all: only from here")


@router.post(
    "/api/privacy/suggestions/{decision}",
    summary="Accept, reject or reset several suggestions, or all pending from a minimum score",
    response_model=DecisionOut,
)
@retry_on_conflict
def decide_many(request: Request, decision: Decision, body: DecideIn) -> dict:
    status = _status(decision)
    ids = list(dict.fromkeys(body.ids))
    if not ids and not body.all:
        raise InputError("choose at least one suggestion, or all pending")
    if body.min_score is not None and not body.all:
        raise InputError("a minimum score goes with all pending")
    with tx(request) as (conn, sid):
        check_suggestions(conn, sid, ids)
        n = set_status(
            conn, sid, status, suggestion_ids=ids, all_pending=body.all, min_score=body.min_score
        )
    return {"status": status, "suggestions": n}


@router.post(
    "/api/privacy/suggestions/{suggestion_id}/{decision}",
    summary="Accept, reject or reset one suggestion (this occurrence only)",
    response_model=DecisionOut,
)
@retry_on_conflict
def decide_one(request: Request, suggestion_id: Id, decision: Decision) -> dict:
    status = _status(decision)
    with tx(request) as (conn, sid):
        check_suggestions(conn, sid, [suggestion_id])
        n = set_status(conn, sid, status, suggestion_ids=[suggestion_id])
    return {"status": status, "suggestions": n}


@router.post(
    "/api/privacy/entities/{entity_id}/{decision}",
    summary="Accept, reject or reset a name everywhere in the study (sticks on new detection)",
    response_model=EntityDecision,
)
@retry_on_conflict
def decide_entity(request: Request, entity_id: Id, decision: Decision) -> dict:
    status = _status(decision)
    with tx(request) as (conn, sid):
        n = set_status(conn, sid, status, entity_ids=[entity_id])  # unknown: 404, no change
    return {"status": status, "entity": entity_id, "suggestions": n}


class CategoryIn(BaseModel):
    category: str = Field(description="Thesis-style label, e.g. «navn på rektor»")


@router.put(
    "/api/privacy/entities/{entity_id}/category",
    summary="Edit a name's category",
    response_model=EntityCategory,
)
@retry_on_conflict
def entity_category(request: Request, entity_id: Id, body: CategoryIn) -> dict:
    with tx(request) as (conn, sid):
        check_entity(conn, sid, entity_id)
        set_category(conn, sid, body.category, entity_ids=[entity_id])
    return {"entity": entity_id, "category": body.category.strip()}


@router.put(
    "/api/privacy/labels/{label}/category",
    summary="Edit the category of every name",
    response_model=LabelCategory,
)
@retry_on_conflict
def label_category(request: Request, label: Label, body: CategoryIn) -> dict:
    if label not in LABELS:
        raise InputError("label must be one of {labels}", labels=", ".join(LABELS))
    with tx(request) as (conn, sid):
        n = set_category(conn, sid, body.category, label=label)
    return {"label": label, "category": body.category.strip(), "entities": n}


class SpanIn(BaseModel):
    label: Label = Field(description="PER, LOC, ORG or MISC")
    interview: Id | Name | None = Field(None, description="Interview id or label")
    start: Count | None = Field(None, description="Code-point offset in the transcript text")
    end: Count | None = None
    text: Name | None = Field(None, description="Else: every whole-word occurrence of this")
    category: Name | None = None


@router.post(
    "/api/privacy/spans",
    status_code=201,
    summary="Add a missed name (accepted at once)",
    response_model=SpansAdded,
)
@retry_on_conflict
def span_add(request: Request, body: SpanIn) -> dict:
    """By offsets in one interview (a selection), or by text in one interview or the study."""
    text = (body.text or "").strip() or None
    offsets = body.start is not None or body.end is not None
    if offsets and (body.start is None or body.end is None):
        raise InputError("give both start and end")
    if not offsets and not text:
        raise InputError("select text in a transcript, or type the text")
    if offsets and body.interview in (None, ""):
        raise InputError("a selection needs its interview")
    with tx(request) as (conn, sid):
        n = add_span(
            conn,
            sid,
            label=body.label,
            interview=interview_label(conn, sid, body.interview),
            start=body.start,
            end=body.end,
            text=None if offsets else text,
            category=(body.category or "").strip() or None,
        )
    return {"added": n}
