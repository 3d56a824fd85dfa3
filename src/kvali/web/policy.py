"""Who may call which route on a team server: one row per route (method, path template).

``kvali serve --accounts`` checks every request against this table before the handler runs
(``web.session``); the services check again where data changes (``accounts.require``). The
action of a row is what the role needs (``accounts.principal.ACTIONS``): ``public`` needs no
login, ``read`` any role, ``memo`` any role (a reader writes memos), ``code`` a coder or the
owner, ``owner`` the owner. A route without a row is the owner's alone (default deny): a new
route is usable by coders and readers only once a row here says so, and
``tests/web/test_permissions.py`` fails on a route of ``/openapi.json`` that has none.
"""

from __future__ import annotations

import re
from functools import cache

PUBLIC, READ, MEMO, CODE, OWNER = "public", "read", "memo", "code", "owner"
_STRICTNESS = (PUBLIC, READ, MEMO, CODE, OWNER)

_READ_PAGES = """
/ /overview /guide /memos /events /participants /interviews /interviews/{interview_id}/transcript
/codebook /codebook/{code_id}/split /search /reports /transcription /talkstats /blind
/interviews/{interview_id}/review /agreement /coverage /frameworks
/frameworks/{framework_id}/matrix /suggestions /categories /exchange /pseudonymize
""".split()

_READ_FILES = """
/api/events/latest /participants/{code}/member-check.docx /api/transcripts/{transcript_id}/turns
/api/interviews/{interview_id}/codings /api/codings/{coding_id} /interviews/{interview_id}/audio
/api/transcripts/{transcript_id}/words /reports/view /reports/download/{fmt} /api/jobs/{job_id}
/frameworks/{framework_id}/export.qdc /api/suggestions/model /exchange/export.qdc
/openapi.json /api/session
""".split()

POLICY: dict[tuple[str, str], str] = {
    **{("GET", p): READ for p in _READ_PAGES},
    **{("GET", p + ".json"): READ for p in _READ_PAGES if p != "/"},
    **{("GET", p): READ for p in _READ_FILES},
    # logging in and out, the login page and the language switch need no session
    ("GET", "/login"): PUBLIC,
    ("POST", "/api/session"): PUBLIC,
    ("DELETE", "/api/session"): PUBLIC,
    ("GET", "/lang/{lang}"): PUBLIC,
    # memos: every role (a supervisor writes memos)
    ("POST", "/api/memos"): MEMO,
    ("PATCH", "/api/memos/{memo_id}"): MEMO,
    ("POST", "/api/codings/{coding_id}/memos"): MEMO,
    # coding, correcting transcripts, blind coding
    ("POST", "/api/codings"): CODE,
    ("PATCH", "/api/codings/{coding_id}"): CODE,
    ("DELETE", "/api/codings/{coding_id}"): CODE,
    ("POST", "/api/codes"): CODE,
    ("POST", "/api/transcripts/{transcript_id}/turns/{position}/text"): CODE,
    ("POST", "/api/transcripts/{transcript_id}/turns/{position}/speaker"): CODE,
    ("POST", "/api/interviews/{interview_id}/checked"): CODE,
    ("POST", "/api/interviews/{interview_id}/blind/done"): CODE,
    ("POST", "/api/suggestions/run"): CODE,
    ("POST", "/api/suggestions/accept"): CODE,
    ("POST", "/api/suggestions/reject"): CODE,
    ("POST", "/api/suggestions/{suggestion_id}/accept"): CODE,
    ("POST", "/api/suggestions/{suggestion_id}/reject"): CODE,
    # The owner's alone, listed so that the table is read as a decision, not an omission:
    # withdrawal (and its preview), the whole-project export, pseudonymization and its key,
    # the study, guide, people, interviews, uploads, codebook structure, cycles, blind rounds
    # and their review, frameworks, categories, imports.
    ("GET", "/participants/{code}/withdraw"): OWNER,
    ("GET", "/participants/{code}/withdraw.json"): OWNER,
    ("POST", "/api/participants/{code}/withdraw"): OWNER,
    ("GET", "/exchange/export.qdpx"): OWNER,
    ("POST", "/api/privacy/key"): OWNER,
    ("POST", "/api/privacy/key/destroy"): OWNER,
    ("POST", "/api/privacy/apply"): OWNER,
}


@cache
def _patterns() -> list[tuple[str, re.Pattern[str], int, str]]:
    out = []
    for (method, template), action in POLICY.items():
        regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        out.append((method, re.compile(regex + "$"), template.count("{"), action))
    return out


def action_for(method: str, path: str) -> str:
    """What a request needs: its route's row (the most literal template that matches), else
    ``owner``. HEAD is a GET."""
    method = "GET" if method.upper() == "HEAD" else method.upper()
    found = [(n, action) for m, rx, n, action in _patterns() if m == method and rx.match(path)]
    if not found:
        return OWNER
    fewest = min(n for n, _ in found)
    return max((a for n, a in found if n == fewest), key=_STRICTNESS.index)


def has_row(method: str, template: str) -> bool:
    return (method.upper(), template) in POLICY
