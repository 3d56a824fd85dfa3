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
    ("PATCH", "/api/study"): OWNER,
    ("POST", "/api/research-questions"): OWNER,
    ("POST", "/api/guide/nodes"): OWNER,
    ("PATCH", "/api/guide/nodes/{node_id}"): OWNER,
    ("DELETE", "/api/guide/nodes/{node_id}"): OWNER,
    ("PUT", "/api/guide"): OWNER,
    ("POST", "/api/participants"): OWNER,
    ("PUT", "/api/participants/{code}/attributes"): OWNER,
    ("PUT", "/api/participants/{code}/consent"): OWNER,
    ("POST", "/api/participants/{code}/member-check"): OWNER,
    ("POST", "/api/interviews"): OWNER,
    ("PATCH", "/api/interviews/{interview_id}"): OWNER,
    ("POST", "/api/interviews/{interview_id}/transcript"): OWNER,
    ("PATCH", "/api/codes/{code_id}"): OWNER,
    ("POST", "/api/codes/{code_id}/rename"): OWNER,
    ("POST", "/api/codes/{code_id}/move"): OWNER,
    ("POST", "/api/codes/{code_id}/merge"): OWNER,
    ("POST", "/api/codes/{code_id}/split"): OWNER,
    ("POST", "/api/cycles"): OWNER,
    ("POST", "/api/interviews/{interview_id}/audio"): OWNER,
    ("POST", "/api/interviews/{interview_id}/blind"): OWNER,
    ("POST", "/api/interviews/{interview_id}/review/resolve"): OWNER,
    ("POST", "/api/interviews/{interview_id}/review/accept-agreements"): OWNER,
    ("POST", "/api/frameworks"): OWNER,
    ("POST", "/api/frameworks/upload"): OWNER,
    ("POST", "/api/frameworks/{framework_id}/items"): OWNER,
    ("POST", "/api/frameworks/{framework_id}/items/{item_id}/codes"): OWNER,
    ("PUT", "/api/frameworks/{framework_id}/evidence"): OWNER,
    ("DELETE", "/api/frameworks/{framework_id}/evidence"): OWNER,
    ("POST", "/api/categories/run"): OWNER,
    ("POST", "/api/categories/{category_id}/name"): OWNER,
    ("POST", "/api/categories/merge"): OWNER,
    ("POST", "/api/categories/{category_id}/reject"): OWNER,
    ("POST", "/api/exchange/import"): OWNER,
    ("POST", "/api/privacy/terms"): OWNER,
    ("DELETE", "/api/privacy/terms/{term_id}"): OWNER,
    ("POST", "/api/privacy/detect"): OWNER,
    ("POST", "/api/privacy/suggestions/{decision}"): OWNER,
    ("POST", "/api/privacy/suggestions/{suggestion_id}/{decision}"): OWNER,
    ("POST", "/api/privacy/entities/{entity_id}/{decision}"): OWNER,
    ("PUT", "/api/privacy/entities/{entity_id}/category"): OWNER,
    ("PUT", "/api/privacy/labels/{label}/category"): OWNER,
    ("POST", "/api/privacy/spans"): OWNER,
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
