"""Who is acting, with which role: one ContextVar, and the one check every changing service calls.

The CLI and the local single-user workbench set nobody, which means the owner: a person at
their own project folder may do everything. ``kvali serve --accounts`` sets the logged-in
account's name and role for each request (``web.common.tx``), and the services that change
data call ``require(action)``, which raises ``PermissionDenied`` (a 403 in the workbench).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from kvali.errors import PermissionDenied
from kvali.i18n import N_, _

# What each role may do. Reading is everyone's; a reader (a supervisor) also writes memos.
ACTIONS = {
    "read": ("owner", "coder", "reader"),
    "memo": ("owner", "coder", "reader"),
    "code": ("owner", "coder"),
    "owner": ("owner",),
}

ACTION_NAMES = {
    "read": N_("read"),
    "memo": N_("write memos"),
    "code": N_("code and correct transcripts"),
    "owner": N_("change the project (owner only)"),
}


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


OWNER = Principal(name="", role="owner")

_principal: ContextVar[Principal | None] = ContextVar("kvali_principal", default=None)


def set_principal(principal: Principal | None) -> None:
    """Set for this request or command; ``None`` is local use (the owner)."""
    _principal.set(principal)


def current_principal() -> Principal:
    return _principal.get() or OWNER


def allowed(role: str, action: str) -> bool:
    return role in ACTIONS[action]


def require(action: str) -> None:
    """Refuse unless the current principal's role may do ``action`` (read, memo, code, owner)."""
    p = current_principal()
    if not allowed(p.role, action):
        raise PermissionDenied(
            "{name} ({role}) may not {action}",
            name=p.name,
            role=p.role,
            action=_(ACTION_NAMES[action]),
        )
