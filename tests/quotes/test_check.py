"""The dialect check on real dictionaries (Debian hunspell-no) and kvali's tables."""

from __future__ import annotations

import pytest

from kvali.quotes.check import Checker, check_text
from kvali.quotes.lexicon import lexicon


def words(text: str, **kw: object) -> list[tuple[str, str | None, str]]:
    return [(f.word, f.suggestion, f.kind) for f in check_text(text, **kw)]


def test_trondersk_forms_are_flagged_with_bokmal():
    got = words("Æ veit itj ka vi ska gjør med dæ, kæm e det som bestemme?")
    assert ("Æ", "Jeg", "dialect") in got
    assert ("itj", "ikke", "dialect") in got
    assert ("ka", "hva", "dialect") in got
    assert ("kæm", "hvem", "dialect") in got
    assert ("dæ", "deg", "dialect") in got
    # «veit» is an accepted Bokmål variant: not flagged unless conservative forms are asked for
    assert "veit" not in [w for w, *_ in got]


def test_nynorsk_forms_from_the_treebank():
    got = dict((w, s) for w, s, _ in words("Kor mykje tid brukar lærarane på det?"))
    assert got == {"Kor": "Hvor", "mykje": "mye", "brukar": "bruker", "lærarane": "lærerne"}


def test_standard_bokmal_compounds_names_numbers_fillers_placeholders_are_not_flagged():
    assert words("Vi har jobbet mye med læringsfellesskap og fellestid på skolen.") == []
    assert words("Det var xxx (navn på ansatt) som sa det på [skole], eh, i 2019, mm.") == []
    assert words("Så sa Kristoffersen at Trondheim kommune hadde ansvaret.") == []
    assert words("Vi hadde <navn> og {sted} med på møtet.") == []


def test_conservative_forms_only_when_asked():
    text = "Jeg blei glad, og sjøl tenkte jeg at det var rett."
    assert words(text) == []
    assert words(text, conservative=True) == [
        ("blei", "ble", "conservative"),
        ("sjøl", "selv", "conservative"),
    ]


def test_offsets_are_code_points():
    text = "😀 Æ trur itj det."
    flags = check_text(text)
    assert [(text[f.start : f.end], f.word) for f in flags] == [(f.word, f.word) for f in flags]
    assert [f.word for f in flags] == ["Æ", "trur", "itj"]
    assert flags[0].start == 2


def test_nynorsk_study_flags_bokmal_and_dialect():
    got = words("Eg veit ikke kva dokker meiner om skolen.", standard="nn")
    kinds = {w: (s, k) for w, s, k in got}
    assert kinds["ikke"] == ("ikkje", "bokmal")
    assert kinds["dokker"][1] == "dialect"
    assert "Eg" not in kinds and "kva" not in kinds and "veit" not in kinds


def test_compound_splitter_needs_known_parts():
    chk = Checker(lexicon("nb"))
    assert chk.is_compound("læringsfellesskap")
    assert chk.is_compound("fellestid")
    assert not chk.is_compound("ikkjeikkje")


@pytest.mark.parametrize("word", ["ungan", "elevan", "klassa"])
def test_regional_endings(word: str):
    (flag,) = check_text(f"Det var {word} som sa det.")
    assert flag.kind == "dialect" and flag.suggestion
