"""The analysis part of the demo study: a blind double coding of one interview with agreement
and a consensus review begun, Irgens' framework matrix, and guide coverage of all interviews.

The second coder's version is generated deterministically from the existing codings with the
disagreements real coders produce: shifted boundaries, a different code now and then, and
passages one of them missed.
"""

from __future__ import annotations

from typing import Any

from kvali.analysis.agreement import agreement
from kvali.analysis.blind import code_as, mark_done, set_blind
from kvali.analysis.coverage import guide_coverage
from kvali.analysis.disagreements import accept_agreements, disagreements, resolve
from kvali.analysis.frameworks import add_framework, link_codes
from kvali.analysis.matrix import framework_matrix, set_evidence
from kvali.codes.service import code_id
from kvali.codings.service import list_codings
from kvali.errors import KvaliError
from kvali.events.service import set_actor
from kvali.project import Project
from kvali.studies.service import default_study_id
from kvali.transcripts.service import get_text, transcript_id_for

INTERVIEW = "Intervju 1"
CODERS = ("Forsker A", "Forsker B")
# Irgens' items (Bokmål file order) → demo codes that evidence them explicitly.
IRGENS_CODES = {
    1: ["Lederteam som læringsfellesskap", "Utviklingsteam", "Teamledere og trinnledere"],
    2: ["Beskyttet fellestid"],
    3: ["Involvering fra starten", "Delegert ansvar og myndighet", "Felles produkt og eierskap"],
    4: ["Deling mellom skoler", "Ressurspersoner sprer kompetanse"],
    6: ["Samskaping som metode", "Skape og utvikle sammen"],
}
NOT_EVIDENCED = (
    "Oppgaven fant ikke at rektorene beskrev en kritisk (ikke kritiserende), undersøkende deling "
    "av egen praksis: delingen de forteller om er erfaringsdeling uten felles utforsking."
)


def _shift(text: str, start: int, end: int, words: int) -> tuple[int, int]:
    """Move the end by ``words`` words (negative: fewer), staying inside the line."""
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    pos = end
    for _ in range(abs(words)):
        if words > 0:
            nxt = text.find(" ", pos + 1, line_end)
            pos = line_end if nxt < 0 else nxt
        else:
            prev = text.rfind(" ", start + 1, pos - 1)
            pos = pos if prev <= start else prev
    return start, max(start + 1, pos)


def _other_version(
    i: int, c: dict[str, Any], text: str, siblings: list[int]
) -> tuple[int, int, int] | None:
    """The second coder's (code, start, end) for the first coder's coding ``c``, or None."""
    if i % 9 == 4:
        return None  # missed
    code, start, end = c["code_id"], c["start_char"], c["end_char"]
    if i % 7 == 3 and siblings:
        code = siblings[i % len(siblings)]
    elif i % 3 == 1:
        start, end = _shift(text, start, end, 3 if i % 2 else -2)
    return code, start, end


def double_code(conn: Any, sid: int) -> dict[str, Any]:
    """Blind double coding of the demo's first interview; returns the agreement."""
    tid = transcript_id_for(conn, sid, INTERVIEW)
    text = get_text(conn, tid)
    set_blind(conn, sid, tid, coders=list(CODERS))
    existing = [c for c in list_codings(conn, sid, interview=INTERVIEW) if c["coder"] in CODERS]
    codes_in_use = sorted({c["code_id"] for c in existing})
    for i, c in enumerate(existing):
        other = CODERS[1] if c["coder"] == CODERS[0] else CODERS[0]
        siblings = [x for x in codes_in_use if x != c["code_id"]]
        version = _other_version(i, c, text, siblings)
        if version is None:
            continue
        code, start, end = version
        set_actor(other)
        code_as(conn, sid, transcript_id=tid, code=code, start=start, end=end, coder=other)
    for coder in CODERS:
        set_actor(coder)
        mark_done(conn, sid, tid, coder=coder)
    set_actor(None)
    return agreement(conn, sid, coders=list(CODERS), interview=INTERVIEW)


def review(conn: Any, sid: int) -> int:
    """Accept the exact agreements and resolve two disagreements; the rest stay for the reader."""
    n = accept_agreements(conn, sid, interview=INTERVIEW, coders=list(CODERS))
    for item in disagreements(conn, sid, interview=INTERVIEW, coders=list(CODERS))[:2]:
        sides = item["a"] + item["b"]
        keep = max(sides, key=lambda c: c["end_char"] - c["start_char"])
        resolve(
            conn,
            sid,
            transcript_id=item["transcript_id"],
            replace=[c["id"] for c in sides],
            consensus=[
                {"code": keep["code_id"], "start": keep["start_char"], "end": keep["end_char"]}
            ],
            memo="Vi ble enige om den lengste avgrensningen: hele resonnementet hører med.",
        )
        n += 1
    return n


def irgens_matrix(conn: Any, sid: int) -> dict[str, Any]:
    fid = add_framework(conn, sid, key="irgens", language="nb")
    for position, names in IRGENS_CODES.items():
        found = []
        for name in names:
            try:
                code_id(conn, sid, name)
                found.append(name)
            except KvaliError:
                continue
        if found:
            link_codes(conn, sid, framework=fid, item=str(position), codes=found)
    from kvali.interviews.service import list_interviews

    for iv in list_interviews(conn, sid):
        set_evidence(
            conn,
            sid,
            framework=fid,
            item="5",
            interview=iv["label"],
            level="not_found",
            note=NOT_EVIDENCED,
        )
    return framework_matrix(conn, sid, fid)


def add_demo_analysis(project: Project) -> dict[str, Any]:
    """Add the analysis demo to a populated demo project (one transaction per step)."""
    with project.begin() as conn:
        sid = default_study_id(conn)
        result = double_code(conn, sid)
    with project.begin() as conn:
        resolved = review(conn, sid)
    with project.begin() as conn:
        matrix = irgens_matrix(conn, sid)
    with project.begin() as conn:
        coverage = guide_coverage(conn, sid)
    return {
        "agreement": result["overall"],
        "resolved": resolved,
        "framework": matrix["framework"],
        "coverage": [c["summary"] for c in coverage["interviews"]],
    }
