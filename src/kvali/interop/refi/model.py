"""A REFI-QDA project or codebook as plain dataclasses: what the reader returns, the importer
stores, ``build`` makes from a study and the writer turns into XML.

One model in both directions keeps import and export honest: ``read(write(m)) == m`` is a
property test. GUIDs are normalised (lower case, no braces, as RFC 4122 writes them), strings are
stripped, an absent description is ``""``. ``counts``, ``warnings`` and text problems are
bookkeeping about one read or build and take no part in equality.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


def norm_guid(value: str | None) -> str:
    """GUIDs compare without braces and case (the Annex A.1 codebook mixes both forms)."""
    return (value or "").strip().strip("{}").lower()


@dataclass
class RCode:
    guid: str
    name: str
    codable: bool = True
    color: str | None = None
    description: str = ""
    note_refs: list[str] = field(default_factory=list)
    children: list[RCode] = field(default_factory=list)


@dataclass
class RCoding:
    code: str
    user: str = ""
    guid: str = ""
    created: str = ""  # xsd:dateTime as written in the file


@dataclass
class RSelection:
    guid: str
    name: str
    start: int
    end: int
    description: str = ""
    codings: list[RCoding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    user: str = ""
    created: str = ""


@dataclass
class RText:
    """Anything with a plain text: a TextSource, a PDF's text Representation, a media Transcript.

    ``plain`` is the text of the internal file ``text_path`` (read from the package, or to be
    written into it); ``inline`` is a ``PlainTextContent`` element instead.
    """

    guid: str
    name: str
    kind: str  # "text", "pdf", "transcript"
    text_path: str | None = None
    inline: str | None = None
    description: str = ""
    selections: list[RSelection] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    sync_points: dict[str, tuple[int, int]] = field(default_factory=dict)  # guid → (pos, ms)
    media: str | None = None
    variables: list[tuple[str, str]] = field(default_factory=list)
    created: str = ""
    plain: str | None = None
    text_problem: str | None = field(default=None, compare=False)  # why ``plain`` is missing


@dataclass
class RNote:
    guid: str
    name: str
    text_path: str | None
    inline: str | None
    description: str = ""
    user: str = ""
    created: str = ""
    plain: str | None = None
    text_problem: str | None = field(default=None, compare=False)


@dataclass
class RSet:
    guid: str
    name: str
    description: str = ""
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RCase:
    guid: str
    name: str
    description: str = ""
    values: list[tuple[str, str]] = field(default_factory=list)  # (variable guid, value)
    sources: list[str] = field(default_factory=list)


@dataclass
class RProject:
    name: str = ""
    origin: str = ""
    description: str = ""
    users: dict[str, str] = field(default_factory=dict)
    codes: list[RCode] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)  # guid → name
    cases: list[RCase] = field(default_factory=list)
    texts: list[RText] = field(default_factory=list)
    notes: list[RNote] = field(default_factory=list)
    sets: list[RSet] = field(default_factory=list)
    project_note_refs: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter, compare=False)
    warnings: list[str] = field(default_factory=list, compare=False)

    def all_codes(self) -> list[RCode]:
        out: list[RCode] = []
        stack = list(reversed(self.codes))
        while stack:
            code = stack.pop()
            out.append(code)
            stack.extend(reversed(code.children))
        return out
