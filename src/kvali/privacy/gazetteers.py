"""Word lists shipped in ``privacy/data`` (sources and licences in each file's first line)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@cache
def words(name: str) -> frozenset[str]:
    """A list as a set of exact forms (comment lines skipped)."""
    lines = (DATA / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@cache
def lower(name: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in words(name))


def is_given(word: str) -> bool:
    return word.casefold() in lower("given_names")


def is_surname(word: str) -> bool:
    w = word.casefold()
    return w in lower("surnames") or w in lower("ambiguous_surnames")


def is_place(word: str) -> bool:
    return word.casefold() in lower("places")


def is_common(word: str) -> bool:
    """A lower-case word seen often outside names: never guessed as a name on its own."""
    return word.casefold() in words("common_words")
