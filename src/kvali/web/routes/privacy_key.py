"""Apply and the key on the pseudonymization screen: replace the names with a style, show the
key (original ↔ replacement) with its passphrase, destroy it with a typed confirmation.

Kept apart from the review routes (``privacy.py`` includes this router) because these are the
only handlers that take a passphrase: it arrives in a JSON body only (never in a URL, which
servers log), is held as ``SecretStr`` so no repr or validation error echoes it, and is neither
stored nor returned. The key file is always the project's own: a browser names no server paths.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, SecretStr

from kvali.errors import InputError, NotFoundError
from kvali.privacy import vault
from kvali.privacy.apply import apply_pseudonymization, destroy_key, show_key
from kvali.privacy.replace import STYLES
from kvali.web.common import project_of, tx
from kvali.web.models import ApplyOut, KeyDestroyed, KeyOut

router = APIRouter()

CONFIRM = "destroy"
MIN_PASSPHRASE = 8


def key_path(request: Request) -> Path:
    """Always the project's own key file: a browser must not name paths on the server."""
    return vault.default_path(project_of(request).path)


def _study(request: Request) -> int:
    """The study id only: the privacy services below open their own transactions."""
    with tx(request) as (_conn, sid):
        return sid


def secret(value: SecretStr | None, *, required: bool = True) -> str | None:
    text = value.get_secret_value() if value is not None else ""
    if not text:
        if required:
            raise InputError("type the key's passphrase")
        return None
    if len(text) < MIN_PASSPHRASE:
        raise InputError(
            "the passphrase must be at least {min_length} characters",
            min_length=MIN_PASSPHRASE,
        )
    return text


class ApplyIn(BaseModel):
    style: Literal["thesis", "tags", "pseudonyms"] = Field(
        "thesis", description="thesis, tags or pseudonyms"
    )
    passphrase: SecretStr = Field(description="Encrypts the key; never stored or returned")
    min_score: float = Field(0.5, ge=0, le=1, description="Pending suggestions from this score")


@router.post(
    "/api/privacy/apply",
    summary="Replace the names; originals go to the encrypted key file",
    response_model=ApplyOut,
)
def apply(request: Request, body: ApplyIn) -> dict:
    """A wrong passphrase fails on reading the key, before any change (``apply`` runs its own
    transactions: the key is written, then the database, then the key is put in place). Not
    retried on a conflict: a retry after the commit would apply a second time."""
    if body.style not in STYLES:
        raise InputError("style must be one of {styles}", styles=", ".join(STYLES))
    passphrase = secret(body.passphrase)
    sid = _study(request)
    result = apply_pseudonymization(
        project_of(request),
        sid,
        style=body.style,
        passphrase=passphrase or "",
        key_path=key_path(request),
        min_score=body.min_score,
    )
    return {"style": body.style, **result}


class PassIn(BaseModel):
    passphrase: SecretStr


@router.post(
    "/api/privacy/key",
    summary="Show the key (original ↔ replacement) with its passphrase",
    response_model=KeyOut,
)
def key_show(request: Request, body: PassIn) -> dict:
    path = key_path(request)
    if not path.exists():
        raise NotFoundError("there is no key file (nothing applied yet, or it was destroyed)")
    passphrase = secret(body.passphrase) or ""
    sid = _study(request)
    return {"key_file": str(path), "entries": show_key(project_of(request), sid, passphrase, path)}


class DestroyIn(BaseModel):
    confirm: Annotated[str, Field(max_length=100)] = Field(description=f"Type «{CONFIRM}»")


@router.post(
    "/api/privacy/key/destroy",
    summary="Destroy the key for good (typed confirmation)",
    response_model=KeyDestroyed,
)
def key_destroy(request: Request, body: DestroyIn) -> dict:
    if body.confirm.strip().casefold() != CONFIRM:
        raise InputError(
            "type «{confirm}» to confirm: the originals will be gone for good", confirm=CONFIRM
        )
    path = key_path(request)
    if not path.exists():
        raise NotFoundError("there is no key file (nothing applied yet, or it was destroyed)")
    sid = _study(request)
    return {"destroyed": destroy_key(project_of(request), sid, path)}
