"""Word transcripts (read) and member-check documents for participants (write).

Paragraphs go through the same label parser as plain text, so a transcript typed in
Word behaves like one typed in a text editor. The member-check writer produces a file
that this reader turns back into the same turns, so a participant's corrected copy can
be re-imported.
"""

from __future__ import annotations

import functools
import io
import os
import re
from pathlib import Path
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.table import Table
from docx.text.paragraph import Paragraph

from kvali.errors import InputError
from kvali.i18n import LANGUAGES, N_, in_lang

from ._common import clean_line, clean_text, format_clock, read_file
from .json_format import validate_turn
from .labels import match_label, parse_clock
from .model import ParsedTranscript
from .text_format import TurnBuilder, feed_line

NOTE_STYLE = "kvali note"
"""Paragraph style of the instructions; the reader skips it so it is not taken as a turn."""

INSTRUCTIONS = N_(
    "This is the transcript of your interview. Please read it and check that it reflects what "
    "you meant to say. You may correct or comment directly in the text, or write under "
    "«Comments» at the end. Let the researcher know when you approve the transcript, with or "
    "without your corrections."
)
COMMENTS = N_("Comments")


@functools.cache
def _comment_headings() -> frozenset[str]:
    """The comments heading in every language, so a file written in either reads back."""
    return frozenset(in_lang(x, COMMENTS).casefold() for x in LANGUAGES) | {
        "kommentarer / comments"
    }


_TEXT_HEADERS = frozenset(
    {"tekst", "text", "utsagn", "ytring", "innhold", "content", "transkripsjon", "transcript"}
)
_LEAD = re.compile(r"\s*(?:\[[\d:.,]*\]|\([\d:.,]*\)|\d[\d:.,]*)?\s*")
_COMMENT_LINES = 8


def _is_heading(paragraph: Paragraph) -> bool:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    name = name.casefold()
    return name.startswith("heading") or name in ("title", "subtitle")


def _paragraph_line(paragraph: Paragraph) -> str:
    """Paragraph text, with a leading bold "Label:" rewritten as markdown ``**Label:**``.

    Bold is how Word transcripts mark speakers, and turning it into markdown lets the
    shared parser accept the label without the capitalisation heuristic.
    """
    text = paragraph.text
    runs = paragraph.runs
    i, before = 0, ""
    while i < len(runs) and not runs[i].bold:
        before += runs[i].text
        i += 1
    if i == len(runs) or not _LEAD.fullmatch(before):
        return text
    bold = ""
    while i < len(runs) and (runs[i].bold or not runs[i].text.strip()):
        bold += runs[i].text
        i += 1
    label = bold.strip()
    if not label.endswith(":") or not text.startswith(before + bold) or "*" in label:
        return text
    rest = text[len(before + bold) :].lstrip()
    return f"{before}**{label[:-1].strip()}:** {rest}"


def _feed_table(builder: TurnBuilder, table: Table, number: int) -> int:
    """Read a (speaker | text) or (time | speaker | text) table; other shapes are skipped.

    Each row counts as one paragraph for line numbers. Returns the last number used.
    """
    columns = len(table.columns)
    for index, row in enumerate(table.rows):
        number += 1
        cells = [c.text for c in row.cells]
        if columns not in (2, 3) or len(cells) != columns:
            continue
        time, speaker, text = (cells[0], cells[1], cells[2]) if columns == 3 else ("", *cells)
        time, speaker, text = clean_line(time), clean_line(speaker), clean_text(text)
        start = parse_clock(time.strip("[]()")) if time else None
        if index == 0 and (text.casefold() in _TEXT_HEADERS or (time and start is None)):
            continue  # header row
        if time and start is None:
            raise InputError(
                "invalid time stamp «{time}» in table row (use hh:mm:ss)",
                file=builder.source,
                line=number,
                time=time,
            )
        speaker = speaker.strip("*").rstrip(":").strip()
        if speaker:
            builder.start(speaker, line=number, start_ms=start)
        for part in text.split("\n"):
            if part:
                builder.add(part, line=number)
                builder.gap()
        builder.gap()
    return number


def parse_docx_file(path: str | Path) -> ParsedTranscript:
    """Parse a .docx transcript; ``line`` of each turn is its paragraph (or table row) number.

    Title, subtitle and heading paragraphs are skipped; everything after a heading
    «Kommentarer» / «Comments» is collected in ``metadata["comments"]``, not as turns.
    """
    data = read_file(path)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own errors
        raise InputError(
            "not a valid .docx file ({kind})", file=path, kind=type(exc).__name__
        ) from None
    builder = TurnBuilder(str(path))
    comments: list[str] = []
    in_comments = False
    number = 0
    try:
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                if not in_comments:
                    number = _feed_table(builder, block, number)
                continue
            number += 1
            if _is_heading(block):
                in_comments = (
                    in_comments or clean_line(block.text).casefold() in _comment_headings()
                )
                builder.gap()
            elif in_comments:
                if clean_text(block.text):
                    comments.append(clean_text(block.text))
            elif (block.style.name if block.style is not None else "").casefold() == NOTE_STYLE:
                builder.gap()
            else:
                for part in _paragraph_line(block).split("\n"):
                    feed_line(builder, clean_line(part), number=number)
                builder.gap()
    except InputError:
        raise
    except Exception as exc:  # a damaged document part
        raise InputError(
            "could not read the document ({kind})", file=path, kind=type(exc).__name__
        ) from None
    props = document.core_properties
    metadata: dict[str, Any] = {
        k: v for k, v in (("title", props.title), ("subject", props.subject)) if v
    }
    if comments:
        metadata["comments"] = comments
    return ParsedTranscript(builder.finish(), "docx", props.language or None, metadata)


def write_transcript_docx(
    path: str | Path,
    *,
    title: str,
    subtitle: str,
    turns: list[dict[str, Any]],
    lang: str = "nb",
    instructions: bool = True,
) -> None:
    """Write a member-check document: a participant reads, corrects and approves it.

    Layout: title, subtitle (interview label, date), an instruction paragraph in Bokmål
    (``lang="nb"``) or English (``"en"``), one paragraph per turn with ``[hh:mm:ss]`` when
    the start is known and the speaker in bold, then a comments heading with empty lines.
    Turns are dicts with speaker, text and optional start_ms. ``parse_transcript`` reads
    the file back into the same speakers, texts and start times.
    """
    if lang not in LANGUAGES:
        raise InputError(
            "unsupported language {lang!r} (use {languages})",
            file=path,
            lang=lang,
            languages=" or ".join(LANGUAGES),
        )
    checked = []
    for i, raw in enumerate(turns):
        if not isinstance(raw, dict):
            raise InputError("turns[{i}]: must be a dict", file=path, i=i)
        turn = validate_turn({k: raw.get(k) for k in ("speaker", "text", "start_ms")}, i, path)
        checked.append(turn)
        m = match_label(f"**{turn.speaker}:**")
        if m is None or m.label != turn.speaker:
            raise InputError(
                "turns[{i}].speaker: label «{speaker}» cannot be written as a speaker label (at most 40 characters, starting with a letter, without «:» or «*»)",
                file=path,
                i=i,
                speaker=turn.speaker,
            )
    document = docx.Document()
    props = document.core_properties
    props.title, props.subject, props.language = title, subtitle, lang
    document.add_paragraph(clean_line(title), style="Title")
    if clean_line(subtitle):
        document.add_paragraph(clean_line(subtitle), style="Subtitle")
    if instructions:
        style = document.styles.add_style(NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        style.font.italic = True
        document.add_paragraph(in_lang(lang, INSTRUCTIONS), style=style)
    for turn in checked:
        if not turn.text:
            continue
        first, *more = turn.text.split("\n")
        paragraph = document.add_paragraph()
        if turn.start_ms is not None:
            paragraph.add_run(f"[{format_clock(turn.start_ms)}] ")
        paragraph.add_run(f"{turn.speaker}:").bold = True
        paragraph.add_run(f" {first}")
        for extra in more:
            document.add_paragraph(extra)
    document.add_heading(in_lang(lang, COMMENTS), level=1)
    for _ in range(_COMMENT_LINES):
        document.add_paragraph()
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    document.save(str(tmp))
    os.replace(tmp, target)
