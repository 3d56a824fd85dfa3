"""Building small REFI-QDA files for tests, and where the vendored samples and schemas are."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

DATA = Path(__file__).resolve().parents[1] / "data" / "refi-qda"  # licences: SOURCES.md there
SAMPLES = DATA / "samples"
SCHEMA = DATA / "schema"

G = "{:08X}-0000-4000-8000-{:012X}"


def guid(n: int, kind: int = 0) -> str:
    return G.format(kind, n)


def project_xml(
    *,
    origin: str,
    sources: list[tuple[str, list[tuple[int, int, int]]]],
    codes: list[str],
    extra: str = "",
    ns: str = "urn:QDA-XML:project:1.0",
) -> str:
    """A project with flat codes and text sources ``(name, [(start, end, code index)])``."""
    code_xml = "".join(
        f'<Code guid="{guid(i, 1)}" name={quoteattr(c)} isCodable="true"/>'
        for i, c in enumerate(codes)
    )
    src_xml = ""
    for s, (name, sels) in enumerate(sources):
        sel_xml = "".join(
            f'<PlainTextSelection guid="{guid(s * 1000 + j, 3)}" startPosition="{a}" endPosition="{b}">'
            f'<Coding guid="{guid(s * 1000 + j, 4)}"><CodeRef targetGUID="{guid(c, 1)}"/></Coding>'
            "</PlainTextSelection>"
            for j, (a, b, c) in enumerate(sels)
        )
        src_xml += (
            f'<TextSource guid="{guid(s, 2)}" name={quoteattr(name)} '
            f'plainTextPath="internal://{guid(s, 2)}.txt">{sel_xml}</TextSource>'
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{ns}" name="Small" origin={quoteattr(origin)}>'
        f"<CodeBook><Codes>{code_xml}</Codes></CodeBook><Sources>{src_xml}</Sources>{extra}</Project>"
    )


def write_qdpx(path: Path, xml: str, texts: dict[int, bytes], *, folder: str = "sources") -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", xml.encode("utf-8"))
        for s, data in texts.items():
            zf.writestr(f"{folder}/{guid(s, 2)}.txt", data)
    return path


def small_qdpx(
    path: Path,
    *,
    origin: str = "QualCoder 3.5",
    text: str = "Kari: Vi deler erfaringer.\nOle: Tid er alt.\n",
) -> Path:
    """One source, two codes, two selections in code points."""
    a = text.index("deler")
    b = text.index("Tid er alt")
    xml = project_xml(
        origin=origin,
        sources=[("Intervju 1", [(a, a + len("deler erfaringer"), 0), (b, b + 10, 1)])],
        codes=["Deling", "Tid"],
        extra=escape(""),
    )
    return write_qdpx(path, xml, {0: text.encode("utf-8")})
