"""App factory: token check, error mapping, templates, static files and the page routers."""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from kvali.errors import ConflictError, InputError, KvaliError, NotFoundError
from kvali.project import Project
from kvali.web.common import CONFLICTS, TOKEN_COOKIE, render_error, wants_json
from kvali.web.contract import ERRORS, allowed_methods, declare_pages
from kvali.web.security import SecurityMiddleware, SecurityPolicy

HERE = Path(__file__).parent


def create_app(
    project: Project,
    token: str | None = None,
    *,
    user: str | None = None,
    allowed_hosts: Sequence[str] | None = None,
) -> FastAPI:
    """Build the workbench for one project; every request must carry ``token``.

    ``user`` is recorded as actor and coder (default: the same as the CLI, $KVALI_USER or the
    OS user). ``allowed_hosts`` are the ``Host`` names answered (``web.security``; default: the
    loopback names on any port). Interactive API docs are off because Swagger UI would load
    scripts from a CDN; ``/openapi.json`` describes the API.
    """
    from kvali.web.routes import ROUTERS

    app = FastAPI(
        title="kvali workbench",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.project = project
    app.state.token = token or secrets.token_urlsafe(24)
    app.state.user = user
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in ROUTERS:
        app.include_router(router, responses=ERRORS)  # web.contract: every refusal declared
    declare_pages(app)
    _install_token_check(app)
    _install_error_handlers(app)
    policy = SecurityPolicy(tuple(allowed_hosts)) if allowed_hosts else SecurityPolicy()
    app.state.security = policy
    # Added last, so it is the outermost layer: it answers before the token check.
    app.add_middleware(SecurityMiddleware, policy=policy, refuse=_denied)
    return app


def _install_token_check(app: FastAPI) -> None:
    @app.middleware("http")
    async def check_token(request: Request, call_next):  # type: ignore[no-untyped-def]
        """Token in ``?token=`` (then kept in an HttpOnly cookie), cookie, or Bearer header.

        Missing → 401, wrong → 403; the handler never runs, so nothing changes.
        """
        expected: str = app.state.token
        auth = request.headers.get("authorization", "")
        given = (
            request.query_params.get("token")
            or (auth[7:].strip() if auth.lower().startswith("bearer ") else None)
            or request.cookies.get(TOKEN_COOKIE)
        )
        if not given:
            return _denied(request, 401, "missing access token: open the URL kvali serve printed")
        if not secrets.compare_digest(given.encode(), expected.encode()):
            return _denied(request, 403, "wrong access token")
        started = time.perf_counter()
        response: Response = await call_next(request)
        ms = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={ms:.1f}"
        response.headers.setdefault("Cache-Control", "no-store")
        if request.query_params.get("token") and request.cookies.get(TOKEN_COOKIE) != expected:
            response.set_cookie(TOKEN_COOKIE, expected, httponly=True, samesite="strict", path="/")
        return response


def _denied(request: Request, status: int, message: str) -> Response:
    if wants_json(request) or request.method != "GET":
        return JSONResponse({"error": message}, status_code=status)
    return Response(
        f"<!doctype html><title>kvali</title><p>{message}</p>",
        status_code=status,
        media_type="text/html",
    )


def _install_error_handlers(app: FastAPI) -> None:
    """kvali's errors become clear 4xx answers; the transaction has rolled back by then."""

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return render_error(request, 404, exc)

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> Response:
        return render_error(request, 422, exc)

    @app.exception_handler(ConflictError)
    async def stale(request: Request, exc: ConflictError) -> Response:
        return render_error(request, 409, exc)

    @app.exception_handler(KvaliError)
    async def other(request: Request, exc: KvaliError) -> Response:
        return render_error(request, 400, exc)

    async def conflict(request: Request, exc: Exception) -> Response:
        return JSONResponse(
            {"error": "the data changed at the same moment elsewhere; try again", "retry": True},
            status_code=409,
        )

    for exc_type in CONFLICTS:
        app.add_exception_handler(exc_type, conflict)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        """The router's own refusals (unparsable body, unknown path, wrong method) in the same
        ``{"error": …}`` shape; a 405 lists every method the path has, not only one route's."""
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
        message = exc.detail if isinstance(exc.detail, str) else "invalid request"
        response = render_error(request, exc.status_code, message)
        response.headers.update(headers)
        return response

    @app.exception_handler(OverflowError)
    @app.exception_handler(sa.exc.DataError)
    async def out_of_range(request: Request, exc: Exception) -> Response:
        """A number the database cannot store (ids are bounded at the boundary; this is the
        net under it): a 422, the transaction has rolled back."""
        return render_error(request, 422, "a number is out of range; nothing was written")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return JSONResponse(
            {
                "error": "; ".join(parts) or "invalid request",
                "detail": [
                    {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                    for e in exc.errors()
                ],
            },
            status_code=422,
        )
