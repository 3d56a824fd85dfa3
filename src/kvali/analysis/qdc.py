"""A small REFI-QDA codebook (``.qdc``) reader and writer for theory frameworks.

A framework is one non-codable root code (its name and description) whose children are the
framework's items. Prompt keywords for the «implicit evidence» suggestion ride in the item's
description as a last line ``Keywords: a; b`` (or ``Stikkord: a; b``), so the file stays valid
QDA-XML and other QDA programs show them as plain description text.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from lxml import etree

from kvali.errors import InputError

NS = "urn:QDA-XML:codebook:1.0"
_KEYWORDS = re.compile(r"^\s*(?:Keywords|Stikkord)\s*:\s*(.*)$", re.IGNORECASE | re.MULTILINE)
_KEYWORD_LABEL = {"nb": "Stikkord", "nn": "Stikkord"}
GUID_NAMESPACE = uuid.UUID("6f1c4f5e-8a0e-4c55-9a53-6b7661c1a7e5")


def split_keywords(description: str) -> tuple[str, list[str]]:
    """The description without its keyword line, and the keywords."""
    m = _KEYWORDS.search(description or "")
    if not m:
        return (description or "").strip(), []
    words = [w.strip() for w in m.group(1).split(";") if w.strip()]
    return (description[: m.start()] + description[m.end() :]).strip(), words


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def read_qdc(source: str | Path | bytes, *, name: str | None = None) -> dict[str, Any]:
    """``{"name", "description", "items": [{"guid", "name", "description", "keywords"}]}``.

    One root code with children is the framework; otherwise every root code is an item and the
    framework takes ``name`` (or the file name).
    """
    where = "<bytes>" if isinstance(source, bytes) else str(source)
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except OSError as exc:
        raise InputError("cannot read codebook: {exc}", file=where, exc=exc) from exc
    except etree.XMLSyntaxError as exc:
        raise InputError("not a REFI-QDA codebook: {exc}", file=where, exc=exc) from exc
    if etree.QName(root).localname != "CodeBook":
        raise InputError("not a REFI-QDA codebook (root element is not CodeBook)", file=where)
    ns = etree.QName(root).namespace or ""

    def kids(el: Any, tag: str) -> list[Any]:
        return [c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == tag]

    def desc(el: Any) -> str:
        d = kids(el, "Description")
        return (d[0].text or "") if d else ""

    codes_el = kids(root, "Codes")
    roots = kids(codes_el[0], "Code") if codes_el else []
    if not roots:
        raise InputError("the codebook has no codes", file=where)
    del ns
    if len(roots) == 1 and kids(roots[0], "Code"):
        head, items = roots[0], kids(roots[0], "Code")
        fw_name, fw_desc = head.get("name") or "", desc(head)
    else:
        items = roots
        fw_name = name or (Path(where).stem if not isinstance(source, bytes) else "Framework")
        fw_desc = ""
    out = []
    for el in items:
        text, words = split_keywords(desc(el))
        out.append(
            {
                "guid": el.get("guid"),
                "name": el.get("name") or "",
                "description": text,
                "keywords": words,
            }
        )
    if any(not i["name"] for i in out):
        raise InputError("every code in the codebook needs a name", file=where)
    return {"name": name or fw_name, "description": fw_desc.strip(), "items": out}


def write_qdc(framework: dict[str, Any], *, language: str = "en", color: str = "#6d597a") -> bytes:
    """The framework as a QDA-XML codebook (stable GUIDs derived from the names)."""
    label = _KEYWORD_LABEL.get(language, "Keywords")
    book = etree.Element(_q("CodeBook"), nsmap={None: NS}, origin="kvali")
    codes = etree.SubElement(book, _q("Codes"))

    def guid(*parts: str) -> str:
        return str(uuid.uuid5(GUID_NAMESPACE, "/".join(parts))).upper()

    head = etree.SubElement(
        codes,
        _q("Code"),
        guid=guid(framework["name"]),
        name=framework["name"],
        isCodable="false",
        color=color,
    )
    if framework.get("description"):
        etree.SubElement(head, _q("Description")).text = framework["description"]
    for item in framework["items"]:
        el = etree.SubElement(
            head,
            _q("Code"),
            guid=item.get("guid") or guid(framework["name"], item["name"]),
            name=item["name"],
            isCodable="true",
            color=color,
        )
        text = item.get("description", "")
        if item.get("keywords"):
            text = f"{text}\n{label}: {'; '.join(item['keywords'])}".strip()
        if text:
            etree.SubElement(el, _q("Description")).text = text
    return etree.tostring(book, xml_declaration=True, encoding="utf-8", pretty_print=True)
