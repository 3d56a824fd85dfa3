"""Logging in and out of a team server (``kvali serve --accounts``), and the login page.

Included only in the accounts mode, so the local single-user workbench is unchanged."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from kvali.accounts import service as accounts
from kvali.events.service import set_actor
from kvali.i18n import in_lang
from kvali.web.common import SESSION_COOKIE, lang_of, page, principal_of, project_of
from kvali.web.contract import OkOut

router = APIRouter()


class LoginIn(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=1000)]


class SessionOut(BaseModel):
    name: str = Field(description="The logged-in account")
    role: str = Field(description="owner, coder or reader")


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/") -> Response:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return page(request, "login.html", {"next": target})


def _login(request: Request, body: LoginIn) -> str | None:
    """The new session's cookie value, or None for a wrong name or password."""
    with project_of(request).begin() as conn:
        principal = accounts.authenticate(conn, body.username, body.password)
        if principal is None:
            return None
        set_actor(principal.name)  # the login event is the person's own
        return accounts.start_session(conn, principal.name, hours=request.app.state.session_hours)


@router.post(
    "/api/session",
    summary="Log in: a session cookie for this account (HttpOnly, SameSite=Strict)",
    response_model=SessionOut,
)
async def login(request: Request, body: LoginIn) -> Response:
    throttle = request.app.state.login_throttle
    client = request.client.host if request.client else "?"
    wait = throttle.delay(body.username, client)
    if wait:
        await asyncio.sleep(wait)
    token = await run_in_threadpool(_login, request, body)
    if token is None:
        throttle.failed(body.username, client)
        message = in_lang(lang_of(request), "wrong user name or password")
        return JSONResponse({"error": message}, status_code=401)
    throttle.succeeded(body.username)
    with project_of(request).begin() as conn:
        acc = accounts.get_account(conn, body.username)
    response = JSONResponse({"name": acc.name, "role": acc.role})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(request.app.state.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.get("/api/session", summary="Who is logged in", response_model=SessionOut)
def whoami(request: Request) -> dict:
    principal = principal_of(request)
    assert principal is not None  # the session check let only a logged-in request through
    return {"name": principal.name, "role": principal.role}


def _logout(request: Request, token: str) -> None:
    with project_of(request).begin() as conn:
        if principal_of(request) is not None:
            set_actor(principal_of(request).name)
        accounts.end_session(conn, token)


@router.delete("/api/session", summary="Log out: the session ends", response_model=OkOut)
async def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(_logout, request, token)
    response = JSONResponse({"ok": True})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
