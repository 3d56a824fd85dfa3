"""What every route shares: one transaction per request, JSON-or-HTML pages, the UI language."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kvali.errors import KvaliError
from kvali.events.service import current_actor, set_actor
from kvali.i18n import LANGUAGES, _, language, set_language, unfilled
from kvali.project import Project
from kvali.studies.service import default_study_id
from kvali.terms import term
from kvali.util import format_ms

TOKEN_COOKIE = "kvali_token"
LANG_COOKIE = "kvali_lang"

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["ms"] = format_ms
# Templates call _('English message', name=value) and term(group, value), as Python does; a
# plain global rather than jinja2.ext.i18n, whose newstyle gettext would bring a second
# placeholder syntax (%(name)s) and trust translations as markup (docs/i18n.md).
_env.globals.update(_=_, term=term, unfilled=unfilled)


def project_of(request: Request) -> Project:
    return request.app.state.project


def me(request: Request) -> str:
    """The researcher using this workbench: the coder whose view and codings these are (the
    ``viewer`` every reader of codings takes, ``codings.visible``)."""
    return request.app.state.user or current_actor()


@contextmanager
def tx(request: Request) -> Iterator[tuple[sa.Connection, int]]:
    """One transaction and the study id: a request changes everything it changes or nothing."""
    set_actor(request.app.state.user)
    set_language(lang_of(request))  # service messages in the page's language
    with project_of(request).begin() as conn:
        yield conn, default_study_id(conn)


CONFLICTS = (sa.exc.IntegrityError, sa.exc.OperationalError)


def retry_on_conflict(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run a JSON write handler again when a concurrent transaction won a race (two tabs
    coding at once on PostgreSQL, a locked SQLite file): the loser rolled back whole, so a
    retry is safe and the researcher's action is not lost. After three tries it is a 409."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(3):
            try:
                return func(*args, **kwargs)
            except CONFLICTS:
                if attempt == 2:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    return wrapper


def wants_json(request: Request) -> bool:
    """The JSON twin of a page: ``/page.json`` or ``Accept: application/json``."""
    if request.url.path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "en"
    return lang if lang in LANGUAGES else "en"


def _json_default(data: Any) -> Any:
    return jsonable_encoder(
        data, custom_encoder={datetime: datetime.isoformat, date: date.isoformat}
    )


def page(
    request: Request, template: str, data: dict[str, Any], *, status_code: int = 200
) -> Response:
    """Render ``template`` with ``data``, or return ``data`` itself as the page's JSON twin."""
    if wants_json(request):
        return JSONResponse(_json_default(data), status_code=status_code)
    with language(lang_of(request)) as lang:
        html = _env.get_template(template).render(
            **data,
            lang=lang,
            langs=LANGUAGES,
            path=request.url.path,
            query=str(request.url.query),
        )
    return HTMLResponse(html, status_code=status_code)


def render_error(request: Request, status: int, message: str | KvaliError) -> Response:
    """A clear error: JSON for the API and twins, a small page for a browser's GET.

    A kvali error is given whole, so it is told in the request's language."""
    if isinstance(message, KvaliError):
        message = message.text(lang_of(request))
    if wants_json(request) or request.method != "GET" or request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return page(request, "error.html", {"status": status, "error": message}, status_code=status)
