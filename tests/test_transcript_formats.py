"""Tests for kvali.interop.transcripts: every format, label variant and error case."""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kvali.errors import InputError
from kvali.interop.transcripts import (
    ParsedTranscript,
    guess_role,
    parse_text,
    parse_transcript,
    write_transcript_docx,
    write_transcript_json,
)
from kvali.interop.transcripts.subtitle_formats import parse_srt_text, parse_vtt_text


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def expect_error(path: Path, line: int | None, *fragments: str, **kwargs: Any) -> InputError:
    """Parse ``path`` expecting an InputError naming the file (and line) in its message."""
    with pytest.raises(InputError) as info:
        parse_transcript(path, **kwargs)
    err = info.value
    assert err.file == str(path)
    assert err.line == line
    message = str(err)
    assert message.startswith(str(path) + (f":{line}: " if line is not None else ": "))
    for fragment in fragments:
        assert fragment in message
    return err


def simple(result: ParsedTranscript) -> list[tuple[str, str]]:
    return [(t.speaker, t.text) for t in result.turns]


# --------------------------------------------------------------------------- plain text


@pytest.mark.parametrize(
    ("line", "speaker", "start_ms"),
    [
        ("I: Hei og velkommen.", "I", None),
        ("R: Hei og velkommen.", "R", None),
        ("Intervjuer: Hei og velkommen.", "Intervjuer", None),
        ("Interviewer: Hei og velkommen.", "Interviewer", None),
        ("Forsker A: Hei og velkommen.", "Forsker A", None),
        ("Kari: Hei og velkommen.", "Kari", None),
        ("Kari Berg: Hei og velkommen.", "Kari Berg", None),
        ("Kari : Hei og velkommen.", "Kari", None),
        ("Kari:Hei og velkommen.", "Kari", None),
        ("**Kari:** Hei og velkommen.", "Kari", None),
        ("**I:** Hei og velkommen.", "I", None),
        ("**Kari**: Hei og velkommen.", "Kari", None),
        ("**Dr. Hansen:** Hei og velkommen.", "Dr. Hansen", None),
        ("- I: Hei og velkommen.", "I", None),
        ("* Kari: Hei og velkommen.", "Kari", None),
        ("[00:01:02] Kari: Hei og velkommen.", "Kari", 62_000),
        ("[01:02] Kari: Hei og velkommen.", "Kari", 62_000),
        ("(00:01:02) Kari: Hei og velkommen.", "Kari", 62_000),
        ("00:01:02 Kari: Hei og velkommen.", "Kari", 62_000),
        ("[00:01:02.500] Kari: Hei og velkommen.", "Kari", 62_500),
        ("[00:01:02,5] Kari: Hei og velkommen.", "Kari", 62_500),
        ("[1:02:03] Kari: Hei og velkommen.", "Kari", 3_723_000),
        ("[00:01:02] **Kari:** Hei og velkommen.", "Kari", 62_000),
        ("- [00:01:02] I: Hei og velkommen.", "I", 62_000),
    ],
)
def test_label_variants(line: str, speaker: str, start_ms: int | None) -> None:
    result = parse_text(line + "\n")
    assert len(result.turns) == 1
    turn = result.turns[0]
    assert (turn.speaker, turn.text, turn.start_ms, turn.line) == (
        speaker,
        "Hei og velkommen.",
        start_ms,
        1,
    )
    assert turn.role is None and turn.end_ms is None
    assert result.format == "text"


def test_bokmal_dialogue_with_line_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "intervju.txt",
        "I: Kan du fortelle om skolen din?\n"
        "R: Ja, vi har en flott skolegård med trær og bærbusker.\n"
        "\n"
        "I: Hva med lærerne?\n"
        "R: De er snille. Særlig én på åttende trinn – hun går på ski til jobben.\n",
    )
    result = parse_transcript(path)
    assert simple(result) == [
        ("I", "Kan du fortelle om skolen din?"),
        ("R", "Ja, vi har en flott skolegård med trær og bærbusker."),
        ("I", "Hva med lærerne?"),
        ("R", "De er snille. Særlig én på åttende trinn – hun går på ski til jobben."),
    ]
    assert [t.line for t in result.turns] == [1, 2, 4, 5]


def test_multi_line_turns() -> None:
    text = (
        "I: Første spørsmål\n"
        "fortsetter her.\n"
        "Kari:\n"
        "Svaret står på neste linje\n"
        "og fortsetter.\n"
        "\n"
        "\n"
        "Nytt avsnitt i samme tur.\n"
        "   Innrykket   linje\tmed\t\ttabber.   \n"
    )
    result = parse_text(text)
    assert simple(result) == [
        ("I", "Første spørsmål fortsetter her."),
        (
            "Kari",
            "Svaret står på neste linje og fortsetter.\n"
            "Nytt avsnitt i samme tur. Innrykket linje med tabber.",
        ),
    ]
    assert result.turns[1].line == 3


def test_colon_in_sentence_is_not_a_label() -> None:
    text = (
        "I: Hvordan var det i starten?\n"
        "Kari: Det var litt rart.\n"
        "Det var slik: vi møttes hver uke.\n"
        "Poenget: alle fikk si noe.\n"
        "hun sa: kom hit\n"
        "Vi Fire Var Der Sammen: hele tiden\n"
        "Men så: ting endret seg.\n"
        "Se https://example.org: der.\n"
        "Kl 10: møtet.\n"
        "Kari Berg: Jeg er her også.\n"
    )
    result = parse_text(text)
    assert simple(result) == [
        ("I", "Hvordan var det i starten?"),
        (
            "Kari",
            "Det var litt rart. Det var slik: vi møttes hver uke. Poenget: alle fikk si noe. "
            "hun sa: kom hit Vi Fire Var Der Sammen: hele tiden Men så: ting endret seg. "
            "Se https://example.org: der. Kl 10: møtet.",
        ),
        ("Kari Berg", "Jeg er her også."),
    ]


def test_label_heuristic_accepts_seen_and_role_words() -> None:
    text = (
        "**mor:** Vi bodde i Tromsø.\n"
        "intervjuer: Hvor lenge?\n"
        "mor: Ti år.\n"
        "[00:00:10] Ny person her: hei\n"
    )
    assert simple(parse_text(text)) == [
        ("mor", "Vi bodde i Tromsø."),
        ("intervjuer", "Hvor lenge?"),
        ("mor", "Ti år."),
        ("Ny person her", "hei"),
    ]


def test_front_matter_and_headings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "intervju.md",
        "---\n"
        "title: Intervju 3\n"
        "language: nb\n"
        "date: 2024-03-12\n"
        "---\n"
        "# Intervju 3\n"
        "\n"
        "## Del 1\n"
        "**I:** Velkommen.\n"
        "## Del 2\n"
        "Fortsatt intervjueren.\n"
        "**R:** Takk.\n"
        "---\n"
        "Etter en strek.\n",
    )
    result = parse_transcript(path)
    assert result.language == "nb"
    assert result.metadata == {"title": "Intervju 3", "language": "nb", "date": "2024-03-12"}
    assert simple(result) == [
        ("I", "Velkommen.\nFortsatt intervjueren."),
        ("R", "Takk.\nEtter en strek."),
    ]
    assert [t.line for t in result.turns] == [9, 12]


def test_end_times_from_next_timed_turn() -> None:
    text = (
        "[00:00:01] I: Hei.\n"
        "R: Hei (uten tid).\n"
        "[00:00:05.250] R: Ja.\n"
        "[00:00:09] I: Takk.\n"
        "[00:00:02] I: Nytt opptak.\n"
    )
    turns = parse_text(text).turns
    assert [(t.start_ms, t.end_ms) for t in turns] == [
        (1000, 5250),
        (None, None),
        (5250, 9000),
        (9000, None),  # the next start is earlier: no end rather than a negative duration
        (2000, None),
    ]


def test_nfd_input_is_normalised_to_nfc(tmp_path: Path) -> None:
    raw = "Åse: Blåbær og kafé på Ørland.\n"
    nfd = unicodedata.normalize("NFD", raw)
    assert nfd != raw
    result = parse_transcript(write(tmp_path, "nfd.txt", nfd))
    assert simple(result) == [("Åse", "Blåbær og kafé på Ørland.")]
    assert unicodedata.is_normalized("NFC", result.turns[0].speaker + result.turns[0].text)


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_newlines(tmp_path: Path, newline: str) -> None:
    text = newline.join(["I: Hei", "", "R: Første", "andre", "", "tredje", ""])
    result = parse_transcript(write(tmp_path, "crlf.txt", text))
    assert simple(result) == [("I", "Hei"), ("R", "Første andre\ntredje")]
    assert [t.line for t in result.turns] == [1, 3]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + "I: Hei på deg\n".encode())
    assert simple(parse_transcript(path)) == [("I", "Hei på deg")]


def test_empty_turns_are_dropped() -> None:
    result = parse_text("I:\n\nKari: Ja.\nI:\n")
    assert simple(result) == [("Kari", "Ja.")]


def test_text_before_first_label(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt", "# Overskrift\n\nHer står noe løst.\nI: Hei\n")
    expect_error(path, 3, "text before the first speaker label", "Her står noe løst.")


def test_colon_sentence_at_top_is_not_a_label(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt", "Det var slik: vi møttes.\nI: Hei\n")
    expect_error(path, 1, "text before the first speaker label")


@pytest.mark.parametrize("content", ["", "\n\n", "# Bare en overskrift\n", "---\ntitle: x\n---\n"])
def test_no_turns(tmp_path: Path, content: str) -> None:
    expect_error(write(tmp_path, "tom.txt", content), None, "no speaker turns")


def test_bad_utf8_reports_line(tmp_path: Path) -> None:
    data = b"I: Hei\r\nR: Hallo\r\n\r\nI: bl\xe5b\xe6r\n"  # Latin-1 on line 4 (CRLF file)
    expect_error(write(tmp_path, "latin1.txt", data), 4, "not valid UTF-8")


def test_invalid_timestamp(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt", "I: Hei\n[00:75:00] Kari: Hallo\n")
    expect_error(path, 2, "invalid time stamp [00:75:00]")


def test_front_matter_errors(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "a.md", "---\ntitle: x\nI: Hei\n"), 1, "never closed")
    expect_error(write(tmp_path, "b.md", "---\ntitle: x\n  bad: [\n---\nI: Hei\n"), 3, "YAML")
    expect_error(write(tmp_path, "c.md", "---\n- a\n- b\n---\nI: Hei\n"), 2, "key: value")


def test_parse_text_names_source_in_errors() -> None:
    with pytest.raises(InputError) as info:
        parse_text("løs tekst\n", source="notat.txt")
    assert str(info.value).startswith("notat.txt:1: text before the first speaker label")


# --------------------------------------------------------------------------- WebVTT

VTT = """WEBVTT - Intervju 3
Kind: captions
Language: nb

NOTE Eksportert fra Teams
over to linjer

1
00:00:01.000 --> 00:00:03.500
<v Intervjuer>Hei, og <i>velkommen</i>.</v>

2
00:00:03.500 --> 00:00:05.000 align:start position:10%
<v Intervjuer>Skal vi begynne?

3
00:00:05.000 --> 00:00:08.000
<v.loud Kari Berg>Ja! <c.yellow>Det</c> er fint &amp; greit.</v>

00:00:08.000 --> 00:00:09.000
<00:00:08.100>og <b>så</b> videre

00:10.000 --> 00:12.000
Intervjuer: Takk for det.
"""


def test_vtt(tmp_path: Path) -> None:
    result = parse_transcript(write(tmp_path, "m.vtt", VTT))
    assert result.format == "vtt"
    assert result.language == "nb"
    assert result.metadata == {"title": "Intervju 3", "Kind": "captions", "Language": "nb"}
    assert [(t.speaker, t.text, t.start_ms, t.end_ms, t.line) for t in result.turns] == [
        ("Intervjuer", "Hei, og velkommen. Skal vi begynne?", 1000, 5000, 8),
        ("Kari Berg", "Ja! Det er fint & greit. og så videre", 5000, 9000, 16),
        ("Intervjuer", "Takk for det.", 10_000, 12_000, 23),
    ]


def test_vtt_speakerless_start_and_multiple_voices() -> None:
    text = (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.000\nhmm\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v I>Hei</v> <v Kari>Hallo</v>\n\n"
        "00:00:02.000 --> 00:00:03.000\n- I: Ja?\n- Kari: Ja.\n"
    )
    assert simple(parse_vtt_text(text)) == [
        ("Unknown", "hmm"),
        ("I", "Hei"),
        ("Kari", "Hallo"),
        ("I", "Ja?"),
        ("Kari", "Ja."),
    ]


def test_vtt_bom_and_crlf(tmp_path: Path) -> None:
    content = "\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\n<v Åse>Hei</v>\r\n"
    result = parse_transcript(write(tmp_path, "w.vtt", content))
    assert [(t.speaker, t.text, t.line) for t in result.turns] == [("Åse", "Hei", 3)]


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        ("1\n00:00:01.000 --> 00:00:02.000\nHei\n", 1, "WEBVTT"),
        ("WEBVTTX\n", 1, "WEBVTT"),
        ("WEBVTT\n\n1\n00:00:01,000 --> 00:00:02,000\nHei\n", 4, "malformed cue timing"),
        ("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nHei\n", 3, "malformed cue timing"),
        ("WEBVTT\n\nc1\n00:00:01.000 00:00:02.000\nHei\n", 4, "malformed cue timing"),
        ("WEBVTT\n\nNOTE x\n\nc1\nHei\n", 6, "expected a cue timing line"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHei\n\nx1\n", 6, "expected a cue timing line"),
        ("WEBVTT\n\n00:00:61.000 --> 00:01:02.000\nHei\n", 3, "malformed cue timing"),
        ("WEBVTT\n\n\n00:00:05.000 --> 00:00:02.000\nHei\n", 4, "ends before it starts"),
    ],
)
def test_vtt_errors(tmp_path: Path, content: str, line: int, fragment: str) -> None:
    expect_error(write(tmp_path, "bad.vtt", content), line, fragment)


def test_vtt_without_cues(tmp_path: Path) -> None:
    expect_error(write(tmp_path, "empty.vtt", "WEBVTT\n\nNOTE nothing\n"), None, "no speaker turns")


# --------------------------------------------------------------------------- SRT

SRT = """1
00:00:01,000 --> 00:00:02,500
Intervjuer: Hei, hvordan går det?

2
00:00:02,500 --> 00:00:04,000
Bare <i>bra</i>, fortsetter intervjueren.

3
00:00:04,000 --> 00:00:06,000
<v Kari>Det går fint.</v>

4
00:00:06,000 --> 00:00:07,000
Kari: Takk for
at jeg fikk komme.
"""


def test_srt(tmp_path: Path) -> None:
    result = parse_transcript(write(tmp_path, "m.srt", SRT))
    assert result.format == "srt"
    assert [(t.speaker, t.text, t.start_ms, t.end_ms, t.line) for t in result.turns] == [
        ("Intervjuer", "Hei, hvordan går det? Bare bra, fortsetter intervjueren.", 1000, 4000, 1),
        ("Kari", "Det går fint. Takk for at jeg fikk komme.", 4000, 7000, 9),
    ]


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        ("1\n00:00:01.000 -> 00:00:02,000\nHei\n", 2, "malformed cue timing"),
        ("1\n00:00:01 --> 00:00:02\nHei\n", 2, "malformed cue timing"),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nHei\n\nTo\n00:00:03,000 --> 00:00:04,000\n",
            5,
            "number",
        ),
        ("1\n00:00:01,000 --> 00:00:02,000\nHei\n\n2\n", 5, "no timing line"),
        ("1\n00:00:03,000 --> 00:00:02,000\nHei\n", 2, "ends before it starts"),
    ],
)
def test_srt_errors(tmp_path: Path, content: str, line: int, fragment: str) -> None:
    expect_error(write(tmp_path, "bad.srt", content), line, fragment)


# --------------------------------------------------------------------------- DOCX


def make_docx(tmp_path: Path, name: str = "t.docx") -> tuple[Any, Path]:
    return docx.Document(), tmp_path / name


def test_docx_paragraphs(tmp_path: Path) -> None:
    document, path = make_docx(tmp_path)
    document.add_paragraph("Intervju med Kari", style="Title")  # 1
    document.add_heading("Del 1", level=1)  # 2
    document.add_paragraph("[00:00:05] I: Hei, Kari.")  # 3
    p = document.add_paragraph()  # 4
    p.add_run("kari:").bold = True  # lower case: accepted because it is bold
    p.add_run(" Hei! Det var slik: vi møttes.")
    document.add_paragraph("Nytt avsnitt.")  # 5
    document.add_paragraph("")  # 6
    document.add_paragraph("[00:00:20] I: Takk.\nKari: Bare hyggelig.")  # 7
    document.core_properties.language = "nb"
    document.save(str(path))
    result = parse_transcript(path)
    assert result.format == "docx"
    assert result.language == "nb"
    assert [(t.speaker, t.text, t.start_ms, t.end_ms, t.line) for t in result.turns] == [
        ("I", "Hei, Kari.", 5000, 20_000, 3),
        ("kari", "Hei! Det var slik: vi møttes.\nNytt avsnitt.", None, None, 4),
        ("I", "Takk.", 20_000, None, 7),
        ("Kari", "Bare hyggelig.", None, None, 7),
    ]


def test_docx_tables(tmp_path: Path) -> None:
    document, path = make_docx(tmp_path)
    two = document.add_table(rows=3, cols=2)
    for row, cells in zip(
        two.rows, [("Taler", "Tekst"), ("I", "Hei"), ("Kari:", "Hallo\nder")], strict=True
    ):
        row.cells[0].text, row.cells[1].text = cells
    document.add_paragraph("")
    three = document.add_table(rows=4, cols=3)
    rows = [
        ("Tid", "Taler", "Tekst"),
        ("00:01:00", "I", "Neste"),
        ("", "", "Fortsatt I"),
        ("[00:01:30]", "Kari", "Ja"),
    ]
    for row, cells in zip(three.rows, rows, strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    document.save(str(path))
    result = parse_transcript(path)
    assert [(t.speaker, t.text, t.start_ms, t.end_ms, t.line) for t in result.turns] == [
        ("I", "Hei", None, None, 2),
        ("Kari", "Hallo\nder", None, None, 3),
        ("I", "Neste\nFortsatt I", 60_000, 90_000, 6),
        ("Kari", "Ja", 90_000, None, 8),
    ]


def test_docx_table_bad_time(tmp_path: Path) -> None:
    document, path = make_docx(tmp_path)
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(
        table.rows, [("00:00:01", "I", "Hei"), ("kl. 10", "R", "Ja")], strict=True
    ):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    document.save(str(path))
    expect_error(path, 2, "invalid time stamp «kl. 10»")


def test_docx_text_before_first_label(tmp_path: Path) -> None:
    document, path = make_docx(tmp_path)
    document.add_paragraph("Intervju", style="Title")
    document.add_paragraph("Dette er en innledning.")
    document.add_paragraph("I: Hei")
    document.save(str(path))
    expect_error(path, 2, "text before the first speaker label")


def test_corrupt_docx(tmp_path: Path) -> None:
    document, path = make_docx(tmp_path)
    document.add_paragraph("I: Hei")
    buffer = io.BytesIO()
    document.save(buffer)
    expect_error(write(tmp_path, "cut.docx", buffer.getvalue()[:500]), None, "not a valid .docx")
    expect_error(write(tmp_path, "text.docx", "I: Hei\n"), None, "not a valid .docx")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("hello.txt", "no document here")
    expect_error(write(tmp_path, "zip.docx", zipped.getvalue()), None, "not a valid .docx")


ROUND_TRIP_TURNS: list[dict[str, Any]] = [
    {"speaker": "Intervjuer", "text": "Hvordan var første skoledag?", "start_ms": 0},
    {
        "speaker": "Kari Berg",
        "text": "Spennende! Det var slik: vi møttes i gården.\nSå gikk vi inn.",
        "start_ms": 4_000,
    },
    {"speaker": "Intervjuer", "text": "Og lærerne?", "start_ms": 3_723_500},
    {"speaker": "Kari Berg", "text": "Snille. Særlig én – hun het Åse.", "start_ms": None},
    {"speaker": "Dr. Ødegård", "text": "Jeg kom inn litt senere.", "start_ms": 3_800_000},
]


@pytest.mark.parametrize(("lang", "instructions"), [("nb", True), ("en", True), ("nb", False)])
def test_docx_member_check_round_trip(tmp_path: Path, lang: str, instructions: bool) -> None:
    path = tmp_path / "medlemssjekk.docx"
    write_transcript_docx(
        path,
        title="Intervju 3",
        subtitle="Kari B. – 12. mars 2024",
        turns=ROUND_TRIP_TURNS,
        lang=lang,
        instructions=instructions,
    )
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Intervju 3"
    assert texts[1] == "Kari B. – 12. mars 2024"
    instruction_word = {"nb": "utskriften", "en": "transcript"}[lang]
    assert (instruction_word in texts[2]) is instructions
    assert "[01:02:03.500] Intervjuer: Og lærerne?" in texts
    assert "[00:00:04] Kari Berg: Spennende! Det var slik: vi møttes i gården." in texts
    assert {"nb": "Kommentarer", "en": "Comments"}[lang] in texts
    bold = [r.text for p in document.paragraphs for r in p.runs if r.bold]
    assert bold[:2] == ["Intervjuer:", "Kari Berg:"]

    result = parse_transcript(path)
    assert [(t.speaker, t.text, t.start_ms) for t in result.turns] == [
        (t["speaker"], t["text"], t["start_ms"]) for t in ROUND_TRIP_TURNS
    ]
    assert result.language == lang
    assert "comments" not in result.metadata


def test_docx_member_check_comments_are_not_turns(tmp_path: Path) -> None:
    path = tmp_path / "m.docx"
    write_transcript_docx(path, title="T", subtitle="", turns=ROUND_TRIP_TURNS[:2])
    document = docx.Document(str(path))
    document.add_paragraph("Kari Berg: Jeg mente skolegården, ikke gården.")
    document.save(str(path))
    result = parse_transcript(path)
    assert len(result.turns) == 2
    assert result.metadata["comments"] == ["Kari Berg: Jeg mente skolegården, ikke gården."]


def test_docx_writer_rejects_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    with pytest.raises(InputError, match="unsupported language"):
        write_transcript_docx(path, title="T", subtitle="", turns=ROUND_TRIP_TURNS, lang="de")
    with pytest.raises(InputError, match=r"turns\[0\]\.speaker"):
        write_transcript_docx(
            path, title="T", subtitle="", turns=[{"speaker": "A: B", "text": "x"}]
        )
    with pytest.raises(InputError, match=r"turns\[0\]\.text"):
        write_transcript_docx(path, title="T", subtitle="", turns=[{"speaker": "A"}])
    assert not path.exists()


# --------------------------------------------------------------------------- kvali JSON


def test_json_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    turns = [
        {
            "speaker": "I",
            "role": "interviewer",
            "start_ms": 0,
            "end_ms": 1200,
            "text": "Hei på deg.",
        },
        {
            "speaker": "Kari",
            "role": "participant",
            "start_ms": 1200,
            "end_ms": 5000,
            "text": "Blåbær!\nOg multer.",
        },
        {"speaker": "Alle", "role": "other", "text": "(latter)"},
        {"speaker": "Kari", "text": "Uten rolle."},
    ]
    write_transcript_json(
        path, turns=turns, language="nb", metadata={"intervju": "Nr. 3", "varighet": 61}
    )
    raw = path.read_text(encoding="utf-8")
    assert "Blåbær" in raw  # not \u-escaped
    doc = json.loads(raw)
    assert doc["kvali_transcript"] == 1 and doc["language"] == "nb"
    assert list(doc["turns"][0]) == ["speaker", "role", "start_ms", "end_ms", "text"]
    result = parse_transcript(path)
    assert result.format == "json"
    assert result.language == "nb"
    assert result.metadata == {"intervju": "Nr. 3", "varighet": 61}
    assert [
        {
            "speaker": t.speaker,
            "role": t.role,
            "start_ms": t.start_ms,
            "end_ms": t.end_ms,
            "text": t.text,
        }
        for t in result.turns
    ] == [{"role": None, "start_ms": None, "end_ms": None, **t} for t in turns]


def test_json_with_bom_and_nfd(tmp_path: Path) -> None:
    doc = {"kvali_transcript": 1, "turns": [{"speaker": "Åse", "text": "  kafé   og\r\nmer  "}]}
    data = (
        b"\xef\xbb\xbf" + unicodedata.normalize("NFD", json.dumps(doc, ensure_ascii=False)).encode()
    )
    result = parse_transcript(write(tmp_path, "t.json", data))
    assert simple(result) == [("Åse", "kafé og\nmer")]
    assert result.language is None and result.metadata == {}


def _doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kvali_transcript": 1,
        "language": "nb",
        "metadata": {},
        "turns": [
            {"speaker": "I", "role": "interviewer", "start_ms": 0, "end_ms": 1200, "text": "Hei"},
            {"speaker": "R", "role": "participant", "start_ms": 1200, "end_ms": 3000, "text": "Ja"},
            {"speaker": "I", "start_ms": 3000, "end_ms": 4000, "text": "Ok"},
            {"speaker": "R", "start_ms": 4000, "end_ms": 5000, "text": "Mhm"},
        ],
    }
    doc.update(overrides)
    return doc


def _turn(index: int, **changes: Any) -> dict[str, Any]:
    doc = _doc()
    doc["turns"][index].update(changes)
    for key, value in changes.items():
        if value is KeyError:
            del doc["turns"][index][key]
    return doc


@pytest.mark.parametrize(
    ("doc", "path_fragment"),
    [
        ([], "$: a kvali transcript must be a JSON object"),
        (_doc(kvali_transcript=2), "kvali_transcript: must be 1"),
        (_doc(kvali_transcript=True), "kvali_transcript: must be 1"),
        (
            {k: v for k, v in _doc().items() if k != "kvali_transcript"},
            "kvali_transcript: must be 1",
        ),
        ({k: v for k, v in _doc().items() if k != "turns"}, "turns: missing"),
        (_doc(turns={}), "turns: must be a list"),
        (_doc(extra=1), "extra: unknown key"),
        (_doc(language=5), "language: must be a string"),
        (_doc(metadata=[]), "metadata: must be an object"),
        (_doc(turns=["x"]), "turns[0]: must be an object"),
        (_doc(turns=[]), "no speaker turns"),
        (_turn(1, speaker=KeyError), "turns[1].speaker: missing"),
        (_turn(1, speaker="  "), "turns[1].speaker: missing or empty"),
        (_turn(2, text=KeyError), "turns[2].text: missing"),
        (_turn(2, text=3), "turns[2].text: missing or not a string"),
        (_turn(3, role="respondent"), "turns[3].role: must be one of"),
        (_turn(3, start_ms=1.5), "turns[3].start_ms: must be a whole number"),
        (_turn(3, end_ms="5000"), "turns[3].end_ms: must be a whole number"),
        (_turn(3, end_ms=True), "turns[3].end_ms: must be a whole number"),
        (_turn(3, start_ms=-1), "turns[3].start_ms: must not be negative"),
        (_turn(3, end_ms=3999), "turns[3].end_ms: ends (3999) before it starts (4000)"),
        (_turn(0, start=5), "turns[0].start: unknown key"),
    ],
)
def test_json_validation_errors(tmp_path: Path, doc: Any, path_fragment: str) -> None:
    path = write(tmp_path, "bad.json", json.dumps(doc))
    expect_error(path, None, path_fragment)


def test_invalid_json_reports_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{\n  "kvali_transcript": 1,\n  "turns": [,]\n}\n')
    expect_error(path, 3, "invalid JSON")


def test_json_bad_utf8(tmp_path: Path) -> None:
    path = write(
        tmp_path, "bad.json", b'{\n"kvali_transcript": 1,\n"turns": [{"speaker": "\xf8"}]}'
    )
    expect_error(path, 3, "not valid UTF-8")


def test_json_writer_validates(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    with pytest.raises(InputError, match=r"turns\[0\]\.end_ms"):
        write_transcript_json(
            path, turns=[{"speaker": "I", "text": "x", "start_ms": 5, "end_ms": 1}], language=None
        )
    with pytest.raises(InputError, match="no speaker turns"):
        write_transcript_json(path, turns=[], language=None)
    assert not path.exists()


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    "label",
    ["I", "Int", "Intervjuer", "Intervjuer 1", "intervjuer", "Interviewer", "Forsker", "Forsker A",
     "Researcher", "Moderator", "Q", "I1", "I 2"],
)  # fmt: skip
def test_guess_role_interviewer(label: str) -> None:
    assert guess_role(label) == "interviewer"


@pytest.mark.parametrize("label", ["Ukjent", "Unknown", "Alle", "All", "Flere", "ukjent 2"])
def test_guess_role_other(label: str) -> None:
    assert guess_role(label) == "other"


@pytest.mark.parametrize(
    "label",
    [
        "R",
        "R1",
        "Respondent",
        "Deltaker",
        "Informant",
        "Rektor",
        "P1",
        "Kari",
        "A",
        "Ia",
        "Kari Berg",
    ],
)
def test_guess_role_participant(label: str) -> None:
    assert guess_role(label) == "participant"


def test_guess_role_interviewer_names() -> None:
    assert guess_role("Kari Berg", interviewer_names=["kari  berg"]) == "interviewer"
    assert guess_role("KARI", interviewer_names=["Kari"]) == "interviewer"
    assert guess_role("Ola", interviewer_names=["Kari"]) == "participant"


# --------------------------------------------------------------------------- dispatch


@pytest.mark.parametrize("name", ["a.txt", "a.md", "a.markdown", "A.TXT"])
def test_text_extensions(tmp_path: Path, name: str) -> None:
    assert parse_transcript(write(tmp_path, name, "I: Hei\n")).format == "text"


def test_explicit_format(tmp_path: Path) -> None:
    path = write(tmp_path, "eksport.dat", "WEBVTT\n\n00:01.000 --> 00:02.000\n<v I>Hei\n")
    assert parse_transcript(path, format="vtt").format == "vtt"
    assert parse_transcript(write(tmp_path, "x.log", "I: Hei\n"), format="text").format == "text"
    expect_error(path, None, "cannot tell the transcript format")
    expect_error(path, None, "unknown transcript format 'pdf'", format="pdf")


def test_missing_file(tmp_path: Path) -> None:
    expect_error(tmp_path / "finnes-ikke.txt", None, "file not found")


# --------------------------------------------------------------------------- properties

_TEXTISH = st.text(
    alphabet=st.sampled_from(
        list("IRKari Bergæøå:*-#[]().,0123456789\n\r\t  é\u0301\ufeff&!{}|>%@'\"<v/>")
    ),
    max_size=200,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["", "---\n", "I: ", "# H\n"]), st.one_of(st.text(max_size=300), _TEXTISH))
def test_parse_text_only_raises_input_error(prefix: str, text: str) -> None:
    try:
        result = parse_text(prefix + text)
    except InputError:
        return
    assert result.turns
    for turn in result.turns:
        assert turn.text and turn.text == turn.text.strip()
        assert unicodedata.is_normalized("NFC", turn.text)
        assert "\r" not in turn.text and "\n\n" not in turn.text
        assert turn.line >= 1


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=300), _TEXTISH))
def test_subtitle_parsers_only_raise_input_error(text: str) -> None:
    for parse, prefix in ((parse_vtt_text, "WEBVTT\n\n"), (parse_srt_text, "")):
        try:
            parse(prefix + text)
        except InputError:
            pass
