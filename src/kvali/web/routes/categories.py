"""Candidate categories from clustering (docs/semantic.md, inductive suggestions): propose them,
list them with a provisional label and representative quotes, then name (optionally as a new
code, whose codings are only *suggested*), merge or reject them."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kvali.codes.service import list_codes
from kvali.errors import InputError
from kvali.semantic.clusters import (
    list_clusters,
    merge_clusters,
    name_cluster,
    propose_clusters,
    reject_cluster,
)
from kvali.web.common import page, project_of, retry_on_conflict, tx
from kvali.web.contract import Id, Ids, Name
from kvali.web.models import CategoriesProposed, CategoryMerged, CategoryNamed, RejectedId
from kvali.web.page_models import CategoriesPage
from kvali.web.routes.search import semantic_ready
from kvali.web.routes.suggestions import extra_message

router = APIRouter()

SOURCES = ("uncoded", "first_cycle")
OPEN = ("candidate", "named")


@router.get(
    "/categories",
    summary="Candidate categories from clustering (HTML)",
    response_model=CategoriesPage,
)
@router.get(
    "/categories.json",
    summary="Candidate categories: label, size, status and representative quotes",
    response_model=CategoriesPage,
)
def categories_page(request: Request, all: bool = False) -> Response:
    """Merged and rejected candidates are history: shown only with ``all=true``."""
    with tx(request) as (conn, sid):
        rows = list_clusters(conn, sid)
        codes = [
            {"id": c["id"], "path": c["path"]}
            for c in list_codes(conn, sid)
            if c["status"] == "active"
        ]
    if not all:
        rows = [r for r in rows if r["status"] in OPEN]
    for r in rows:
        r["created_at"] = r["created_at"].isoformat() if r.get("created_at") else None
    data = {
        "categories": rows,
        "open": [r for r in rows if r["status"] in OPEN],
        "codes": codes,
        "sources": list(SOURCES),
        "all": all,
        "message": extra_message(),
    }
    return page(request, "categories.html", data)


class ProposeIn(BaseModel):
    source: Literal["uncoded", "first_cycle"] = Field(
        "uncoded", description="uncoded (current cycle) or first_cycle"
    )
    k: int | None = Field(None, ge=2, le=30, description="How many; default ≈ √(segments/2)")


@router.post(
    "/api/categories/run",
    summary="Update the index, then replace the open candidates with fresh ones",
    response_model=CategoriesProposed,
)
@retry_on_conflict
def propose_categories(request: Request, body: ProposeIn) -> dict:
    source = body.source.replace("-", "_")
    if source not in SOURCES:
        raise InputError("source must be one of {sources}", sources=", ".join(SOURCES))
    semantic_ready()
    from kvali.semantic.service import update_index

    path = project_of(request).path
    with tx(request) as (conn, sid):
        update_index(conn, sid, project_path=path)
        out = propose_clusters(conn, sid, project_path=path, source=source, k=body.k)
    return {"categories": out}


class NameIn(BaseModel):
    name: str
    create_code: bool = Field(False, description="Also make it a code, suggested for its quotes")
    parent: Id | Name | None = Field(None, description="The new code's parent (id or path)")


@router.post(
    "/api/categories/{category_id}/name",
    summary="Name a candidate category",
    response_model=CategoryNamed,
)
@retry_on_conflict
def name_category(request: Request, category_id: Id, body: NameIn) -> dict:
    if not body.name.strip():
        raise InputError("a category needs a name")
    parent = body.parent if body.parent not in (None, "") else None
    with tx(request) as (conn, sid):
        return name_cluster(
            conn, sid, category_id, body.name, create_code=body.create_code, parent=parent
        )


class MergeIn(BaseModel):
    ids: Ids = Field(description="Candidates to merge")
    into: Id = Field(description="The candidate that takes their quotes")


@router.post(
    "/api/categories/merge", summary="Merge candidates into one", response_model=CategoryMerged
)
@retry_on_conflict
def merge_categories(request: Request, body: MergeIn) -> dict:
    ids = [i for i in dict.fromkeys(body.ids) if i != body.into]
    if not ids:
        raise InputError("choose at least one other candidate to merge into it")
    with tx(request) as (conn, sid):
        target = {r["id"]: r for r in list_clusters(conn, sid, quotes=0)}
        for i in [*ids, body.into]:
            if i in target and target[i]["status"] not in OPEN:
                raise InputError("candidate {i} was {status}", i=i, status=target[i]["status"])
        return {"id": body.into, "size": merge_clusters(conn, sid, ids, into=body.into)}


@router.post(
    "/api/categories/{category_id}/reject",
    summary="Reject a candidate category",
    response_model=RejectedId,
)
@retry_on_conflict
def reject_category(request: Request, category_id: Id) -> dict:
    with tx(request) as (conn, sid):
        reject_cluster(conn, sid, category_id)
    return {"rejected": category_id}
