"""What the browser is told and what the server refuses before any handler runs.

Three pieces, kept apart from the token check so that a future cookie session (team server)
reuses them unchanged:

- **Security headers** on every response (pages, JSON, static files, refusals): a
  Content-Security-Policy without inline script or style, no framing by other pages
  (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), ``nosniff``, a referrer that never
  leaves the origin, and a Permissions-Policy that turns off the devices kvali never uses.
- **Host check** (DNS rebinding): a request whose ``Host`` is not a name kvali serves gets
  ``421 Misdirected Request`` and nothing runs. A page on a foreign name that resolves to
  127.0.0.1 cannot reach the workbench.
- **Origin check** (cross-site request forgery): a state-changing request (POST, PUT, PATCH,
  DELETE) from a browser page on another origin gets ``403``. The rule, in order: an ``Origin``
  header must be this server's own (scheme ignored, host and port equal to ``Host``; ``null``
  is foreign); without one, ``Sec-Fetch-Site`` must be ``same-origin`` or ``none``; without
  that, a ``Referer`` must be same-origin. A request with none of the three is not from a
  browser page (curl, scripts with the bearer token) and passes on to the token check.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_NAMES = ("127.0.0.1", "localhost")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}

# Every fetch directive starts from 'none'; only what the pages use is opened, and only to
# this server. No 'unsafe-inline': scripts and styles come from /static (style attributes set
# from script through the CSSOM are not covered by style-src, so bars and swatches still draw).
_CSP_BASE = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "media-src": "'self'",
    "frame-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "serial",
        "hid",
        "bluetooth",
        "midi",
        "display-capture",
        "screen-wake-lock",
        "publickey-credentials-get",
    )
)


def content_security_policy(
    *, frame_ancestors: str = "'none'", style_hashes: Iterable[str] = ()
) -> str:
    """The workbench's CSP; ``style_hashes`` allow given ``<style>`` blocks (the report view)."""
    directives = dict(_CSP_BASE, **{"frame-ancestors": frame_ancestors})
    hashes = [f"'sha256-{h}'" for h in style_hashes]
    if hashes:
        directives["style-src"] = " ".join(["'self'", *hashes])
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def style_hash(css: str) -> str:
    """Base64 SHA-256 of a ``<style>`` element's text, as CSP hash sources spell it."""
    return base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")


_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)


def framed_document_headers(html: str) -> dict[str, str]:
    """Headers for a whole HTML document the workbench itself shows in an ``<iframe>`` (the
    report preview): framing by the same origin only, and its own ``<style>`` blocks allowed by
    hash. The middleware keeps these instead of its defaults."""
    return {
        "Content-Security-Policy": content_security_policy(
            frame_ancestors="'self'",
            style_hashes=[style_hash(css) for css in _STYLE_BLOCK.findall(html)],
        ),
        "X-Frame-Options": "SAMEORIGIN",
    }


def _split_host(value: str) -> tuple[str, str | None]:
    """``name[:port]`` (IPv6 in brackets) → (lower-case name, port or None)."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value.partition("]")
        return name + "]", (rest[1:] if rest.startswith(":") else None) or None
    name, sep, port = value.rpartition(":")
    if not sep:
        return value, None
    return name, port or None


@dataclass(frozen=True)
class SecurityPolicy:
    """Which ``Host`` names this server answers to.

    Each entry is ``name`` (any port) or ``name:port``. ``kvali serve`` passes exactly the
    address it listens on (``127.0.0.1:PORT``, ``localhost:PORT``) plus ``--allowed-host``
    names for a reverse proxy; the default (tests, embedding) is the loopback names on any port.
    """

    allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES
    _entries: tuple[tuple[str, str | None], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        entries = tuple(_split_host(h) for h in self.allowed_hosts if h.strip())
        object.__setattr__(self, "_entries", entries)

    @classmethod
    def serving(cls, port: int, extra_hosts: Sequence[str] = ()) -> SecurityPolicy:
        """The policy for a server listening on 127.0.0.1:``port``."""
        return cls(tuple(f"{name}:{port}" for name in LOOPBACK_NAMES) + tuple(extra_hosts))

    def host_allowed(self, host: str | None) -> bool:
        if not host:
            return False
        name, port = _split_host(host)
        for allowed_name, allowed_port in self._entries:
            if name != allowed_name:
                continue
            if allowed_port is None or allowed_port == port:
                return True
            if port is None and allowed_port in ("80", "443"):
                return True
        return False


def same_origin(url: str, host: str) -> bool:
    """Whether ``url`` (an Origin or Referer) names the server the request was sent to."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return False
    name, port = _split_host(parts.netloc.rpartition("@")[2])
    port = port or DEFAULT_PORTS[parts.scheme]
    req_name, req_port = _split_host(host)
    return name == req_name and (port == req_port or (req_port is None and port in ("80", "443")))


def foreign_origin(method: str, headers: Headers) -> str | None:
    """Why a state-changing request comes from another site, or None when it does not."""
    if method.upper() in SAFE_METHODS:
        return None
    host = headers.get("host", "")
    origin = headers.get("origin")
    if origin is not None:
        return None if same_origin(origin, host) else f"request from another origin ({origin})"
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        ok = fetch_site in ("same-origin", "none")
        return None if ok else f"request from another site (Sec-Fetch-Site: {fetch_site})"
    referer = headers.get("referer")
    if referer is not None and not same_origin(referer, host):
        return "request from another origin (Referer)"
    return None


def security_headers() -> dict[str, str]:
    """Headers every response carries unless the route chose its own CSP and framing rule."""
    return {
        "Content-Security-Policy": content_security_policy(),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }


_OVERRIDABLE = ("content-security-policy", "x-frame-options")


class SecurityMiddleware:
    """Host and Origin checks before anything else runs, security headers on every answer.

    Pure ASGI (no response buffering), outermost, so it covers the token check's refusals,
    static files and errors too. ``refuse(request, status, message)`` writes the refusal, so
    the app decides between JSON and HTML.
    """

    def __init__(self, app: ASGIApp, policy: SecurityPolicy, refuse: Any) -> None:
        self.app = app
        self.policy = policy
        self.refuse = refuse
        self.headers = security_headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name.lower() in _OVERRIDABLE and name.lower() in out:
                        continue
                    out[name] = value
            await send(message)

        problem: tuple[int, str] | None = None
        if not self.policy.host_allowed(headers.get("host")):
            problem = (421, f"this server does not answer for host {headers.get('host', '')!r}")
        elif scope["type"] == "http":
            why = foreign_origin(scope["method"], headers)
            if why:
                problem = (403, why + "; nothing was changed")
        if problem is None:
            await self.app(scope, receive, send_with_headers)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        response = self.refuse(Request(scope), *problem)
        await response(scope, receive, send_with_headers)
