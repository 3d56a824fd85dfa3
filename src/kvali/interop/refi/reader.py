"""Reading a REFI-QDA project or codebook into the plain model, before anything touches the database.

Elements are matched by local name, so draft namespaces (Transana's ``project:0:10``) and
variants (``codebook:1:0``) still read; references are checked here and every problem becomes a
warning, so the importer only decides what to store.
"""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from .container import CODEBOOK_NS, PROJECT_NS, Package, decode_text, local, namespace
from .model import RCase, RCode, RCoding, RNote, RProject, RSelection, RSet, RText, norm_guid

_GUID = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$"
)


def _kids(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local(c) == name]


def _text(el: etree._Element, name: str) -> str:
    found = _kids(el, name)
    return (found[0].text or "").strip() if found else ""


def _refs(el: etree._Element, name: str, attr: str = "targetGUID") -> list[str]:
    # Transana's draft writes MemberSource/@guid instead of @targetGUID.
    return [norm_guid(c.get(attr) or c.get("guid")) for c in _kids(el, name)]


class _Reader:
    def __init__(self, project: RProject) -> None:
        self.p = project
        self.guids: Counter[str] = Counter()

    def guid(self, el: etree._Element, what: str) -> str:
        raw = el.get("guid")
        g = norm_guid(raw)
        if not raw or not _GUID.match(raw.strip()):
            self.p.warnings.append(f"{what} has a missing or malformed GUID {raw!r}")
        self.guids[g] += 1
        return g

    def codes(self, parent: etree._Element) -> list[RCode]:
        out = []
        for el in _kids(parent, "Code"):
            code = RCode(
                guid=self.guid(el, f"code {el.get('name')!r}"),
                name=(el.get("name") or "").strip(),
                codable=(el.get("isCodable") or "true").strip().lower() not in ("false", "0"),
                color=el.get("color"),
                description=_text(el, "Description"),
                note_refs=_refs(el, "NoteRef"),
            )
            self.p.counts["codes"] += 1
            code.children = self.codes(el)
            out.append(code)
        return out

    def position(self, el: etree._Element, attr: str) -> int | None:
        try:
            return int((el.get(attr) or "").strip())
        except ValueError:
            return None

    def selections(self, el: etree._Element, text: RText) -> None:
        for sel in _kids(el, "PlainTextSelection"):
            self.p.counts["selections"] += 1
            start, end = self.position(sel, "startPosition"), self.position(sel, "endPosition")
            gid = self.guid(sel, f"selection in {text.name!r}")
            if start is None or end is None:
                self.p.warnings.append(
                    f"{text.name}: selection {gid} has no valid start/end position; skipped"
                )
                continue
            text.selections.append(_selection(sel, gid, start, end))

    def text_source(self, el: etree._Element, kind: str, name: str | None = None) -> RText:
        inline = _kids(el, "PlainTextContent")
        text = RText(
            guid=self.guid(el, f"source {el.get('name')!r}"),
            name=(name or el.get("name") or "").strip(),
            kind=kind,
            text_path=el.get("plainTextPath"),
            inline=inline[0].text or "" if inline else None,
            description=_text(el, "Description"),
            note_refs=_refs(el, "NoteRef"),
            created=_attr(el, "creationDateTime"),
        )
        if not text.name:
            text.name = (text.text_path or "").rsplit("/", 1)[-1] or f"Source {text.guid[:8]}"
        self.selections(el, text)
        for vv in _kids(el, "VariableValue"):
            value = _value(vv)
            if value is not None:
                text.variables.append(value)
        return text

    def sources(self, el: etree._Element) -> None:
        for src in el:
            kind = local(src)
            if not kind:
                continue
            self.p.counts["sources"] += 1
            name = (src.get("name") or "").strip()
            if kind == "TextSource":
                self.p.counts["text_sources"] += 1
                self.p.texts.append(self.text_source(src, "text"))
            elif kind == "PDFSource":
                self.guid(src, f"PDF {name!r}")
                self.p.counts["pdf_sources"] += 1
                pdf_sel = _kids(src, "PDFSelection")
                self.p.counts["pdf_selections"] += len(pdf_sel)
                for sel in pdf_sel:
                    self.guids[norm_guid(sel.get("guid"))] += 1
                if pdf_sel:
                    self.p.warnings.append(
                        f"PDF {name!r}: {len(pdf_sel)} area selections (page coordinates) not imported"
                    )
                for rep in _kids(src, "Representation"):
                    self.p.texts.append(self.text_source(rep, "pdf", name=name or None))
            elif kind in ("AudioSource", "VideoSource"):
                self.guid(src, f"media {name!r}")
                self.p.counts["media_sources"] += 1
                msel = _kids(src, kind.replace("Source", "Selection"))
                if msel:
                    self.p.counts["media_selections"] += len(msel)
                    self.p.warnings.append(
                        f"{kind} {name!r}: {len(msel)} time selections on the media not imported"
                    )
                for tr in _kids(src, "Transcript"):
                    self.p.texts.append(self.transcript(tr, media=name))
            else:
                self.guid(src, f"{kind} {name!r}")
                self.p.counts[f"{kind}_skipped"] += 1
                self.p.warnings.append(f"{kind} {name!r} not imported (kvali holds text only)")

    def transcript(self, tr: etree._Element, media: str) -> RText:
        text = self.text_source(tr, "transcript", name=tr.get("name") or media)
        text.media = media
        self.p.counts["transcripts_in_file"] += 1
        for sp in _kids(tr, "SyncPoint"):
            pos, ms = self.position(sp, "position"), self.position(sp, "timeStamp")
            gid = self.guid(sp, "sync point")
            if pos is not None:
                text.sync_points[gid] = (pos, ms if ms is not None else -1)
        self.p.counts["sync_points"] += len(text.sync_points)
        for ts in _kids(tr, "TranscriptSelection"):
            self.p.counts["selections"] += 1
            a = text.sync_points.get(norm_guid(ts.get("fromSyncPoint")))
            b = text.sync_points.get(norm_guid(ts.get("toSyncPoint")))
            gid = self.guid(ts, "transcript selection")
            if a is None or b is None:
                self.p.warnings.append(
                    f"{text.name}: transcript selection {gid} names unknown sync points"
                )
                continue
            text.selections.append(_selection(ts, gid, a[0], b[0]))
        return text


def _attr(el: etree._Element, name: str) -> str:
    return (el.get(name) or "").strip()


def _selection(el: etree._Element, gid: str, start: int, end: int) -> RSelection:
    """A text or transcript selection with its codings, notes, user and date."""
    return RSelection(
        guid=gid,
        name=el.get("name") or "",
        start=start,
        end=end,
        description=_text(el, "Description"),
        codings=_codings(el),
        note_refs=_refs(el, "NoteRef"),
        user=norm_guid(el.get("creatingUser")),
        created=_attr(el, "creationDateTime"),
    )


def _codings(sel: etree._Element) -> list[RCoding]:
    return [
        RCoding(
            code=(_refs(c, "CodeRef") or [""])[0],
            user=norm_guid(c.get("creatingUser")),
            guid=norm_guid(c.get("guid")),
            created=_attr(c, "creationDateTime"),
        )
        for c in _kids(sel, "Coding")
    ]


def _value(vv: etree._Element) -> tuple[str, str] | None:
    ref = _refs(vv, "VariableRef")
    for c in vv:
        if local(c).endswith("Value") and local(c) != "VariableRef":
            return (ref[0] if ref else "", (c.text or "").strip())
    return None


def read_project(root: etree._Element) -> RProject:
    """Read a ``Project`` element (any namespace version) into an ``RProject``."""
    p = RProject(name=(root.get("name") or "").strip(), origin=root.get("origin") or "")
    if local(root) != "Project":
        p.warnings.append(f"root element is {local(root)!r}, not 'Project'")
    if namespace(root) != PROJECT_NS:
        p.warnings.append(
            f"namespace {namespace(root) or '(none)'!r} is not {PROJECT_NS!r}; read by element names"
        )
    r = _Reader(p)
    for users in _kids(root, "Users"):
        for u in _kids(users, "User"):
            g = r.guid(u, "user")
            p.users[g] = (u.get("name") or u.get("id") or "").strip() or f"user {g[:8]}"
    for book in _kids(root, "CodeBook"):
        for codes in _kids(book, "Codes"):
            p.codes.extend(r.codes(codes))
    for variables in _kids(root, "Variables"):
        for v in _kids(variables, "Variable"):
            p.variables[r.guid(v, "variable")] = (v.get("name") or "").strip()
    for cases in _kids(root, "Cases"):
        for c in _kids(cases, "Case"):
            case = RCase(r.guid(c, "case"), (c.get("name") or "").strip(), _text(c, "Description"))
            case.values = [v for vv in _kids(c, "VariableValue") if (v := _value(vv))]
            case.sources = _refs(c, "SourceRef")
            p.cases.append(case)
    for sources in _kids(root, "Sources"):
        r.sources(sources)
    for notes in _kids(root, "Notes"):
        for n in _kids(notes, "Note"):
            inline = _kids(n, "PlainTextContent")
            p.notes.append(
                RNote(
                    guid=r.guid(n, "note"),
                    name=(n.get("name") or "").strip(),
                    text_path=n.get("plainTextPath"),
                    inline=inline[0].text or "" if inline else None,
                    description=_text(n, "Description"),
                    user=norm_guid(n.get("creatingUser")),
                    created=_attr(n, "creationDateTime"),
                )
            )
    for sets in _kids(root, "Sets"):
        p.sets.extend(_sets(sets, r))
    for name in ("Links", "Graphs"):
        n = sum(len(_kids(el, name[:-1])) for el in _kids(root, name))
        if n:
            p.counts[name.lower()] = n
            p.warnings.append(
                f"{n} {name.lower()} not imported (kvali has no {name.lower()[:-1]}s)"
            )
    p.description = _text(root, "Description")
    p.project_note_refs = _refs(root, "NoteRef")
    dup = sorted(g for g, n in r.guids.items() if n > 1 and g)
    if dup:
        p.warnings.append(
            f"{len(dup)} GUIDs are used more than once (first: {dup[0]}); the first use wins"
        )
    p.counts["users"] = len(p.users)
    # Every Coding in the file, on text, PDF, picture and media selections alike.
    p.counts["codings"] = sum(1 for el in root.iter() if local(el) == "Coding")
    p.counts["notes"] = len(p.notes)
    p.counts["sets"] = len(p.sets)
    p.counts["cases"] = len(p.cases)
    p.counts["variables"] = len(p.variables)
    return p


def _sets(parent: etree._Element, r: _Reader) -> list[RSet]:
    out = []
    for s in _kids(parent, "Set"):
        out.append(
            RSet(
                r.guid(s, "set"),
                (s.get("name") or "").strip(),
                _text(s, "Description"),
                _refs(s, "MemberCode"),
                _refs(s, "MemberSource"),
                _refs(s, "MemberNote"),
            )
        )
    return out


def read_codebook(root: etree._Element) -> RProject:
    """Read a ``CodeBook`` (.qdc) into an ``RProject`` holding only codes and sets."""
    p = RProject(origin=root.get("origin") or "")
    if local(root) != "CodeBook":
        p.warnings.append(f"root element is {local(root)!r}, not 'CodeBook'")
    if namespace(root) != CODEBOOK_NS:
        p.warnings.append(
            f"namespace {namespace(root) or '(none)'!r} is not {CODEBOOK_NS!r}; read by element names"
        )
    r = _Reader(p)
    for codes in _kids(root, "Codes"):
        p.codes.extend(r.codes(codes))
    for sets in _kids(root, "Sets"):
        p.sets.extend(_sets(sets, r))
    dup = sorted(g for g, n in r.guids.items() if n > 1 and g)
    if dup:
        p.warnings.append(
            f"{len(dup)} GUIDs are used more than once (first: {dup[0]}); the first use wins"
        )
    p.counts["sets"] = len(p.sets)
    return p


def read_package(package: Package) -> RProject:
    """A project with the plain text of every source and note read from the package.

    A text that cannot be had (a bare .qde, a missing entry) keeps ``plain=None`` and says why in
    ``text_problem``; bytes that are not UTF-8 are replaced, with the reason kept the same way.
    """
    p = read_project(package.root)
    for item in [*p.texts, *p.notes]:
        if item.inline is not None or not item.text_path:
            continue
        data, why = package.read(item.text_path)
        if data is not None:
            item.plain, why = decode_text(data)
        item.text_problem = why
    return p
