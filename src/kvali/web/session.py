"""Login sessions for ``kvali serve --accounts``: the session check, the route policy and the
login throttle.

Every request but the public ones (``web.policy``: the login page, ``/api/session``, the
language switch, ``/static``) must carry the session cookie of an account; its role must allow
the route's action, else 403 before the handler runs. The principal (name and role) is then on
``request.state`` for ``web.common.tx`` to set as actor and principal of the services.

Failed logins are counted per user name and per client address; each further attempt waits
``base · 2^(failures-1)`` seconds (at most ``cap``) before the password is checked, so guessing
slows down quickly while a person who mistyped once waits a quarter of a second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from kvali.accounts.principal import allowed, set_principal
from kvali.accounts.service import session_principal
from kvali.i18n import in_lang
from kvali.web.common import SESSION_COOKIE, lang_of, wants_json
from kvali.web.policy import PUBLIC, action_for

FORGET_AFTER_S = 15 * 60


@dataclass
class LoginThrottle:
    base: float = 0.25
    cap: float = 8.0
    failures: dict[str, tuple[int, float]] = field(default_factory=dict)

    def _count(self, key: str, at: float) -> int:
        n, last = self.failures.get(key, (0, 0.0))
        return n if at - last < FORGET_AFTER_S else 0

    def delay(self, user: str, client: str, *, at: float | None = None) -> float:
        """Seconds to wait before checking this attempt's password."""
        at = time.monotonic() if at is None else at
        n = max(self._count("u:" + user, at), self._count("ip:" + client, at))
        return 0.0 if n == 0 else min(self.cap, self.base * 2 ** (n - 1))

    def failed(self, user: str, client: str) -> None:
        at = time.monotonic()
        if len(self.failures) > 100_000:  # bounded memory under a flood of names
            self.failures.clear()
        for key in ("u:" + user, "ip:" + client):
            self.failures[key] = (self._count(key, at) + 1, at)

    def succeeded(self, user: str) -> None:
        self.failures.pop("u:" + user, None)


def install_session_check(app: FastAPI, refuse) -> None:  # type: ignore[no-untyped-def]
    @app.middleware("http")
    async def check_session(request: Request, call_next):  # type: ignore[no-untyped-def]
        """No session → 401 (a browser's page: to the login page); a role the route's row does
        not allow → 403. The handler never runs, so nothing changes."""
        path = request.url.path
        if path.startswith("/static/"):  # the login page's styles and script; no lookup
            return await call_next(request)
        action = action_for(request.method, path)
        principal = None
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            project = request.app.state.project

            def lookup():  # type: ignore[no-untyped-def]
                with project.begin() as conn:
                    return session_principal(conn, token)

            principal = await run_in_threadpool(lookup)
        request.state.principal = principal
        set_principal(principal)
        lang = lang_of(request)
        if action != PUBLIC:
            if principal is None:
                browser_page = not path.startswith("/api/") and not wants_json(request)
                if request.method == "GET" and browser_page:
                    target = path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse("/login?next=" + quote(target, safe=""), 303)
                return refuse(request, 401, in_lang(lang, "log in first"))
            if not allowed(principal.role, action):
                return refuse(
                    request,
                    403,
                    in_lang(
                        lang,
                        "{name} ({role}) may not do this here",
                        name=principal.name,
                        role=principal.role,
                    ),
                )
        response = await call_next(request)
        response.headers.setdefault("Cache-Control", "no-store")
        return response
