"""Writing a kvali study as a REFI-QDA project (.qdpx) or codebook (.qdc).

Each transcript becomes a TextSource whose plain text is one ``Speaker: text`` line per turn;
codings of the current cycle become PlainTextSelections in code points with an exclusive end
(what every checked tool reads). kvali's own information goes into standard elements as described
in :mod:`kvali.interop.refi.kvalimeta`. Element order follows the schema's sequences.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import tempfile
import uuid
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from lxml import etree

from kvali.codings.cycles import current_cycle_id, list_cycles
from kvali.db import schema as t
from kvali.guides.io import to_yaml
from kvali.guides.service import get_guide
from kvali.studies.service import default_study_id, get_study
from kvali.transcripts.service import get_turns

from . import kvalimeta
from .container import CODEBOOK_NS, PROJECT_NS
from .positions import export_text
from .tables import refi_sets

_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _origin() -> str:
    try:
        return f"kvali {importlib.metadata.version('kvali')}"
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "kvali"


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters: they become U+FFFD (same length)."""
    return _XML_BAD.sub("\ufffd", text)


def _guid(value: str) -> str:
    return str(uuid.UUID(value)).upper()


def _derived(base: str, what: str) -> str:
    return str(uuid.uuid5(uuid.UUID(base), what)).upper()


class _Writer:
    def __init__(self, conn: sa.Connection, ns: str) -> None:
        self.conn, self.ns = conn, ns
        self.sid = default_study_id(conn)
        self.study = get_study(conn, self.sid)
        self.warnings: list[str] = []
        self.counts: dict[str, int] = defaultdict(int)

    def el(self, parent: etree._Element | None, local: str, /, **attrs: Any) -> etree._Element:
        tag = f"{{{self.ns}}}{local}"
        values = {k: _clean(str(v)) for k, v in attrs.items() if v is not None}
        if parent is None:
            return etree.Element(tag, values, nsmap={None: self.ns})
        return etree.SubElement(parent, tag, values)

    def text_el(self, parent: etree._Element, local: str, text: str) -> etree._Element:
        e = self.el(parent, local)
        e.text = _clean(text)
        return e

    # codes ---------------------------------------------------------------------------------------
    def code_rows(self) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.conn.execute(
                sa.select(t.codes)
                .where(t.codes.c.study_id == self.sid, t.codes.c.status == "active")
                .order_by(t.codes.c.position, t.codes.c.id)
            ).mappings()
        ]

    def codes(self, parent: etree._Element, rows: list[dict[str, Any]], notes: dict) -> None:
        kids: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
        ids = {r["id"] for r in rows}
        for r in rows:
            kids[r["parent_id"] if r["parent_id"] in ids else None].append(r)
        codes_el = self.el(parent, "Codes")

        def emit(into: etree._Element, row: dict[str, Any]) -> None:
            color = row["color"] if _COLOR.match(row["color"] or "") else None
            code = self.el(
                into,
                "Code",
                guid=_guid(row["guid"]),
                name=row["name"],
                isCodable="true",
                color=color,
            )
            if row["description"]:
                self.text_el(code, "Description", row["description"])
            for note in notes.get(("code", row["id"]), []):
                self.el(code, "NoteRef", targetGUID=note)
            for child in kids[row["id"]]:
                emit(code, child)
            self.counts["codes"] += 1

        for row in kids[None]:
            emit(codes_el, row)
        if not rows:
            self.el(codes_el, "Code", guid=_derived(self.study["guid"], "empty"),
                    name="(no codes)", isCodable="false")  # fmt: skip
            self.warnings.append("the study has no codes; a placeholder code was written")

    def level_sets(
        self, parent: etree._Element, rows: list[dict[str, Any]]
    ) -> etree._Element | None:
        sets = None
        for name, level in kvalimeta.LEVEL_SETS.items():
            members = [r for r in rows if r["level"] == level]
            if not members:
                continue
            sets = sets if sets is not None else self.el(parent, "Sets")
            s = self.el(sets, "Set", guid=_derived(self.study["guid"], f"level:{level}"), name=name)
            self.text_el(s, "Description", f"{kvalimeta.LEVEL_DESCRIPTION}: {level}")
            for r in members:
                # the codebook schema names the reference "guid", the project schema "targetGUID"
                ref = {"guid" if self.ns == CODEBOOK_NS else "targetGUID": _guid(r["guid"])}
                self.el(s, "MemberCode", **ref)
        return sets


def write_qdc(conn: sa.Connection, out: Path) -> Any:
    """The codebook: codes with hierarchy, descriptions and colours; levels as sets."""
    from .service import ExportResult

    w = _Writer(conn, CODEBOOK_NS)
    root = w.el(None, "CodeBook", origin=_origin())
    rows = w.code_rows()
    w.codes(root, rows, {})
    w.level_sets(root, rows)
    _atomic_write(
        out, etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    )
    return ExportResult(path=out, counts=dict(w.counts), warnings=w.warnings)


def _atomic_write(out: Path, data: bytes | None, files: dict[str, bytes] | None = None) -> None:
    """Write to a temporary file beside ``out`` and rename, so a failed export leaves nothing."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kvali-export-", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if files is None:
                fh.write(data or b"")
            else:
                with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
                    for name, content in files.items():
                        zf.writestr(name, content)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_qdpx(conn: sa.Connection, out: Path) -> Any:
    """The whole study as a .qdpx; see docs/refi-qda.md for the mapping."""
    from .service import ExportResult

    w = _Writer(conn, PROJECT_NS)
    study = w.study
    sguid = study["guid"]
    root = w.el(None, "Project", name=study["title"], origin=_origin())
    users = {r.id: r for r in conn.execute(sa.select(t.users))}
    by_name = {r.name: r for r in users.values()}
    if users:
        users_el = w.el(root, "Users")
        for u in users.values():
            w.el(users_el, "User", guid=_guid(u.guid), name=u.name)
    memos = [dict(r) for r in conn.execute(
        sa.select(t.memos).where(t.memos.c.study_id == w.sid).order_by(t.memos.c.id)
    ).mappings()]  # fmt: skip
    notes: dict[tuple[str, int], list[str]] = defaultdict(list)
    for m in memos:
        notes[(m["target_type"], m["target_id"])].append(_guid(m["guid"]))
    cycle = current_cycle_id(conn, w.sid, create=False)
    codings = [dict(r) for r in conn.execute(
        sa.select(t.codings).where(t.codings.c.cycle_id == (cycle or -1),
                                   t.codings.c.removed_at.is_(None)).order_by(t.codings.c.id)
    ).mappings()]  # fmt: skip
    code_rows = w.code_rows()
    code_guid = {r["id"]: _guid(r["guid"]) for r in code_rows}
    w.codes(w.el(root, "CodeBook"), code_rows, notes)

    participants = [dict(r) for r in conn.execute(
        sa.select(t.participants).where(t.participants.c.study_id == w.sid).order_by(t.participants.c.id)
    ).mappings()]  # fmt: skip
    attrs: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for a in conn.execute(
        sa.select(t.participant_attributes).order_by(t.participant_attributes.c.id)
    ):
        attrs[a.participant_id].append((a.name, a.value))
    var_names = sorted({n for p in participants for n, _ in attrs[p["id"]]})
    var_guid = {n: _derived(sguid, f"variable:{n}") for n in var_names}
    if var_names:
        variables = w.el(root, "Variables")
        for n in var_names:
            w.el(variables, "Variable", guid=var_guid[n], name=n, typeOfVariable="Text")

    interviews = [dict(r) for r in conn.execute(
        sa.select(t.interviews, t.transcripts.c.id.label("tid"))
        .outerjoin(t.transcripts, t.transcripts.c.interview_id == t.interviews.c.id)
        .where(t.interviews.c.study_id == w.sid).order_by(t.interviews.c.id)
    ).mappings()]  # fmt: skip
    exported = {i["id"]: _guid(i["guid"]) for i in interviews if i["tid"] is not None}
    links = defaultdict(list)
    for ip in conn.execute(sa.select(t.interview_participants)):
        if ip.interview_id in exported:
            links[ip.participant_id].append(exported[ip.interview_id])
    if participants:
        cases = w.el(root, "Cases")
        for p in participants:
            case = w.el(cases, "Case", guid=_guid(p["guid"]), name=p["code"])
            for n, v in attrs[p["id"]]:
                vv = w.el(case, "VariableValue")
                w.el(vv, "VariableRef", targetGUID=var_guid[n])
                w.text_el(vv, "TextValue", v)
            for g in links[p["id"]]:
                w.el(case, "SourceRef", targetGUID=g)
            w.counts["cases"] += 1
            if notes.get(("participant", p["id"])):
                w.warnings.append(f"memos on participant {p['code']} are exported as project notes")

    files: dict[str, bytes] = {}
    by_tid = defaultdict(list)
    for c in codings:
        by_tid[c["transcript_id"]].append(c)
    interviewers = defaultdict(list)
    for ii in conn.execute(sa.select(t.interview_interviewers)):
        interviewers[ii.interview_id].append(users[ii.user_id].name)
    sources = w.el(root, "Sources") if exported else None
    for iv in interviews:
        if iv["tid"] is None:
            w.warnings.append(f"interview {iv['label']!r} has no transcript and is not exported")
            continue
        _source(w, sources, iv, files, by_tid[iv["tid"]], code_guid, users, notes,
                interviewers[iv["id"]])  # fmt: skip
    _notes_and_sets(w, root, memos, notes, code_rows, by_name)
    if study["problem_statement"]:
        w.text_el(root, "Description", study["problem_statement"])
    for m in memos:
        if m["target_type"] in ("study", "participant"):
            w.el(root, "NoteRef", targetGUID=_guid(m["guid"]))
    files = {"project.qde": etree.tostring(root, xml_declaration=True, encoding="utf-8",
                                           pretty_print=True), **files}  # fmt: skip
    _atomic_write(out, None, files)
    return ExportResult(path=out, counts=dict(w.counts), warnings=w.warnings)


def _source(w: _Writer, sources: etree._Element, iv: dict, files: dict[str, bytes],
            codings: list[dict], code_guid: dict[int, str], users: dict, notes: dict,
            interviewers: list[str]) -> None:  # fmt: skip
    turns = get_turns(w.conn, iv["tid"])
    plain, starts = export_text([(tr["speaker"], tr["text"]) for tr in turns])
    gid = _guid(iv["guid"])
    files[f"sources/{gid}.txt"] = _clean(plain).encode("utf-8")
    src = w.el(
        sources, "TextSource", guid=gid, name=iv["label"], plainTextPath=f"internal://{gid}.txt"
    )
    roles = {tr["speaker"]: tr["role"] for tr in turns}
    meta = {"mode": iv["mode"], "date": iv["date"], "duration_s": iv["duration_s"],
            "interviewers": interviewers, "roles": roles}  # fmt: skip
    w.text_el(src, "Description", kvalimeta.interview_description(meta))
    w.counts["sources"] += 1

    def pos(k: int, end: bool) -> int:
        for tr, s in zip(turns, starts, strict=True):
            if tr["start_char"] <= k <= tr["end_char"] and not (
                end and k == tr["start_char"] and k
            ):
                return s + (k - tr["start_char"])
        return s + (k - tr["start_char"])

    for c in codings:
        sel = w.el(src, "PlainTextSelection", guid=_guid(c["guid"]),
                   startPosition=pos(c["start_char"], False), endPosition=pos(c["end_char"], True),
                   creatingUser=_guid(users[c["coder_id"]].guid) if c["coder_id"] in users else None)  # fmt: skip
        if c["is_gold"]:
            w.text_el(sel, "Description", kvalimeta.GOLD)
        coding = w.el(sel, "Coding", guid=_derived(c["guid"], "coding"),
                      creatingUser=_guid(users[c["coder_id"]].guid) if c["coder_id"] in users else None)  # fmt: skip
        w.el(coding, "CodeRef", targetGUID=code_guid[c["code_id"]])
        for note in notes.get(("coding", c["id"]), []):
            w.el(sel, "NoteRef", targetGUID=note)
        w.counts["codings"] += 1
    for note in notes.get(("interview", iv["id"]), []):
        w.el(src, "NoteRef", targetGUID=note)


def _notes_and_sets(w: _Writer, root: etree._Element, memos: list[dict], notes: dict,
                    code_rows: list[dict], by_name: dict) -> None:  # fmt: skip
    guide = get_guide(w.conn, w.sid)
    cycles = list_cycles(w.conn, w.sid)
    if memos or guide.get("topics") or len(cycles) > 1:
        notes_el = w.el(root, "Notes")
        for m in memos:
            author = by_name.get(m["author"])
            n = w.el(notes_el, "Note", guid=_guid(m["guid"]), name=m["title"] or m["kind"],
                     creatingUser=_guid(author.guid) if author else None)  # fmt: skip
            if m["kind"] != "analytic":
                w.text_el(n, "Description", kvalimeta.KIND_PREFIX + m["kind"])
            w.text_el(n, "PlainTextContent", m["text"])
            w.counts["notes"] += 1
        if guide.get("topics"):
            n = w.el(
                notes_el, "Note", guid=_derived(w.study["guid"], "guide"), name=kvalimeta.GUIDE_NOTE
            )
            w.text_el(n, "PlainTextContent", to_yaml(guide))
        if len(cycles) > 1:
            n = w.el(
                notes_el,
                "Note",
                guid=_derived(w.study["guid"], "cycles"),
                name=kvalimeta.CYCLES_NOTE,
            )
            lines = [f"Cycle {c['number']}: {c.get('name') or ''} ({c.get('codings', '')} codings)".strip()
                     for c in cycles]  # fmt: skip
            w.text_el(
                n,
                "PlainTextContent",
                "Only the last cycle's codings are exported.\n" + "\n".join(lines),
            )
            w.warnings.append(
                f"only cycle {cycles[-1]['number']} of {len(cycles)} is exported as codings"
            )
    sets = w.level_sets(root, code_rows)
    guids = {r["id"]: _guid(r["guid"]) for r in code_rows}
    for rq in w.study["research_questions"]:
        sets = sets if sets is not None else w.el(root, "Sets")
        s = w.el(sets, "Set", guid=_derived(w.study["guid"], f"rq:{rq['id']}"),
                 name=f"Research question {rq['position']}")  # fmt: skip
        w.text_el(s, "Description", rq["text"])
        for cid in _rq_codes(w.conn, rq["id"]):
            if cid in guids:
                w.el(s, "MemberCode", targetGUID=guids[cid])
        for note in notes.get(("research_question", rq["id"]), []):
            w.el(s, "MemberNote", targetGUID=note)
    memo_guids = {m["id"]: _guid(m["guid"]) for m in memos}
    iv_guids = {r.id: _guid(r.guid) for r in w.conn.execute(
        sa.select(t.interviews.c.id, t.interviews.c.guid).join(
            t.transcripts, t.transcripts.c.interview_id == t.interviews.c.id))}  # fmt: skip
    for row in w.conn.execute(sa.select(refi_sets).where(refi_sets.c.study_id == w.sid)).mappings():
        sets = sets if sets is not None else w.el(root, "Sets")
        s = w.el(sets, "Set", guid=_guid(row["guid"]), name=row["name"])
        if row["description"]:
            w.text_el(s, "Description", row["description"])
        members = row["members"] or {}
        for cid in members.get("codes", []):
            if cid in guids:
                w.el(s, "MemberCode", targetGUID=guids[cid])
        for iid in members.get("interviews", []):
            if iid in iv_guids:
                w.el(s, "MemberSource", targetGUID=iv_guids[iid])
        for mid in members.get("memos", []):
            if mid in memo_guids:
                w.el(s, "MemberNote", targetGUID=memo_guids[mid])
        w.counts["sets"] += 1


def _rq_codes(conn: sa.Connection, rid: int) -> list[int]:
    rqt = t.research_question_themes
    return [
        c
        for (c,) in conn.execute(sa.select(rqt.c.code_id).where(rqt.c.research_question_id == rid))
    ]
