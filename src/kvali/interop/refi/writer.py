"""The plain model as REFI-QDA XML: a .qdpx package (``project.qde`` + ``sources/``) or a .qdc.

Pure functions of the model, no database: whatever ``build`` puts in the model is what other
programs read, and ``reader.read_package(write_project(m))`` gives ``m`` back. Element order
follows the schemas' sequences; an element whose schema type needs at least one child is left
out when there is none. GUIDs are written as the model holds them (lower case); characters XML
1.0 cannot hold become U+FFFD (same length, so positions stay right).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from typing import Any

from lxml import etree

from .container import CODEBOOK_NS, PROJECT_NS, internal_name
from .model import RCode, RCoding, RNote, RProject, RSelection, RSet, RText

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A fixed time for the ZIP entries: the same study exports to the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters: they become U+FFFD (same length)."""
    return _XML_BAD.sub("\ufffd", text)


class _Xml:
    def __init__(self, ns: str) -> None:
        self.ns = ns

    def el(self, parent: etree._Element | None, local: str, /, **attrs: Any) -> etree._Element:
        tag = f"{{{self.ns}}}{local}"
        values = {k: clean(str(v)) for k, v in attrs.items() if v not in (None, "")}
        if parent is None:
            return etree.Element(tag, values, nsmap={None: self.ns})
        return etree.SubElement(parent, tag, values)

    def text(self, parent: etree._Element, local: str, text: str) -> etree._Element:
        e = self.el(parent, local)
        e.text = clean(text)
        return e

    def opt_text(self, parent: etree._Element, local: str, text: str) -> None:
        if text:
            self.text(parent, local, text)

    def refs(self, parent: etree._Element, local: str, guids: Iterable[str], attr: str) -> None:
        for g in guids:
            self.el(parent, local, **{attr: g})

    def codes(self, parent: etree._Element, codes: list[RCode], *, notes: bool) -> None:
        for code in codes:
            e = self.el(parent, "Code", guid=code.guid, name=code.name,
                        isCodable="true" if code.codable else "false", color=code.color)  # fmt: skip
            self.opt_text(e, "Description", code.description)
            if notes:  # the codebook schema has no NoteRef on codes
                self.refs(e, "NoteRef", code.note_refs, "targetGUID")
            self.codes(e, code.children, notes=notes)

    def sets(self, parent: etree._Element, sets: list[RSet], *, attr: str) -> None:
        if not sets:
            return
        sets_el = self.el(parent, "Sets")
        for s in sets:
            e = self.el(sets_el, "Set", guid=s.guid, name=s.name)
            self.opt_text(e, "Description", s.description)
            self.refs(e, "MemberCode", s.codes, attr)
            if self.ns == PROJECT_NS:
                self.refs(e, "MemberSource", s.sources, attr)
                self.refs(e, "MemberNote", s.notes, attr)


def _tostring(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def codebook_xml(model: RProject) -> bytes:
    """A .qdc: the codes (hierarchy, descriptions, colours) and the sets of codes."""
    x = _Xml(CODEBOOK_NS)
    root = x.el(None, "CodeBook", origin=model.origin)
    x.codes(x.el(root, "Codes"), model.codes, notes=False)
    x.sets(root, model.sets, attr="guid")
    return _tostring(root)


def project_xml(model: RProject) -> bytes:
    """The ``project.qde`` document of a model (text sources only: kvali holds text)."""
    x = _Xml(PROJECT_NS)
    root = x.el(None, "Project", name=model.name, origin=model.origin)
    if model.users:
        users = x.el(root, "Users")
        for guid, name in model.users.items():
            x.el(users, "User", guid=guid, name=name)
    x.codes(x.el(x.el(root, "CodeBook"), "Codes"), model.codes, notes=True)
    if model.variables:
        variables = x.el(root, "Variables")
        for guid, name in model.variables.items():
            x.el(variables, "Variable", guid=guid, name=name, typeOfVariable="Text")
    if model.cases:
        cases = x.el(root, "Cases")
        for case in model.cases:
            e = x.el(cases, "Case", guid=case.guid, name=case.name)
            x.opt_text(e, "Description", case.description)
            _values(x, e, case.values)
            x.refs(e, "SourceRef", case.sources, "targetGUID")
    if model.texts:
        sources = x.el(root, "Sources")
        for text in model.texts:
            _source(x, sources, text)
    if model.notes:
        notes = x.el(root, "Notes")
        for note in model.notes:
            _note(x, notes, note)
    x.sets(root, model.sets, attr="targetGUID")
    x.opt_text(root, "Description", model.description)
    x.refs(root, "NoteRef", model.project_note_refs, "targetGUID")
    return _tostring(root)


def _values(x: _Xml, parent: etree._Element, values: list[tuple[str, str]]) -> None:
    for ref, value in values:
        vv = x.el(parent, "VariableValue")
        x.el(vv, "VariableRef", targetGUID=ref)
        x.text(vv, "TextValue", value)


def _source(x: _Xml, parent: etree._Element, text: RText) -> None:
    if text.kind != "text":
        raise ValueError(f"source {text.name!r}: only text sources are written (not {text.kind})")
    e = x.el(parent, "TextSource", guid=text.guid, name=text.name,
             plainTextPath=text.text_path, creationDateTime=text.created)  # fmt: skip
    x.opt_text(e, "Description", text.description)
    if text.inline is not None:
        x.text(e, "PlainTextContent", text.inline)
    for sel in text.selections:
        _selection(x, e, sel)
    x.refs(e, "NoteRef", text.note_refs, "targetGUID")
    _values(x, e, text.variables)


def _selection(x: _Xml, parent: etree._Element, sel: RSelection) -> None:
    e = x.el(parent, "PlainTextSelection", guid=sel.guid, name=sel.name,
             startPosition=sel.start, endPosition=sel.end, creatingUser=sel.user,
             creationDateTime=sel.created)  # fmt: skip
    x.opt_text(e, "Description", sel.description)
    for coding in sel.codings:
        _coding(x, e, coding)
    x.refs(e, "NoteRef", sel.note_refs, "targetGUID")


def _coding(x: _Xml, parent: etree._Element, coding: RCoding) -> None:
    e = x.el(parent, "Coding", guid=coding.guid, creatingUser=coding.user,
             creationDateTime=coding.created)  # fmt: skip
    x.el(e, "CodeRef", targetGUID=coding.code)


def _note(x: _Xml, parent: etree._Element, note: RNote) -> None:
    e = x.el(parent, "Note", guid=note.guid, name=note.name, plainTextPath=note.text_path,
             creatingUser=note.user, creationDateTime=note.created)  # fmt: skip
    x.opt_text(e, "Description", note.description)
    if note.inline is not None:
        x.text(e, "PlainTextContent", note.inline)


def write_project(model: RProject) -> bytes:
    """The .qdpx bytes: ``project.qde`` and each internal text as ``sources/<name>`` (UTF-8)."""
    files = {"project.qde": project_xml(model)}
    for item in [*model.texts, *model.notes]:
        if item.plain is None or not item.text_path:
            continue
        name = internal_name(item.text_path)
        if name is None:
            raise ValueError(f"{item.text_path!r} is not an internal file")
        files[f"sources/{name}"] = clean(item.plain).encode("utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def write_codebook(model: RProject) -> bytes:
    """The .qdc bytes of a model's codes and sets."""
    return codebook_xml(model)
