"""Regular patterns that the NER model does not cover: e-mail, phone, national id, addresses.

National identity numbers (fødselsnummer, 11 digits) are only reported when both mod-11 check
digits hold, so that other 11-digit numbers (account numbers, ids of documents) are not masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<!\.)", re.UNICODE)
FNR = re.compile(r"(?<!\d)(\d{6})[\s.]?(\d{5})(?!\d)")
PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)47[\s-]?)?"
    r"(?:\d{2}[\s-]?\d{2}[\s-]?\d{2}[\s-]?\d{2}|\d{3}[\s-]?\d{2}[\s-]?\d{3})(?![\d])"
)
_STREET = r"(?:gata|gate|gaten|veien|vegen|vei|veg|allé|alle|plass|stien|svingen|bakken|tunet|road|street)"
ADDRESS = re.compile(
    rf"(?<!\w)(?:[A-ZÆØÅ][\wæøåÆØÅ.'-]*\s)*[A-ZÆØÅ]?[\wæøå]*{_STREET}\s+\d{{1,4}}\s?[A-Za-z]?\b"
    r"(?:,?\s+\d{4}\s+[A-ZÆØÅ][\wæøå]+)?",
    re.UNICODE,
)

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check(digits: list[int], weights: tuple[int, ...]) -> int | None:
    k = 11 - sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
    return 0 if k == 11 else (None if k == 10 else k)


def valid_fnr(number: str) -> bool:
    """True for an 11-digit Norwegian national identity (or D-) number with valid check digits."""
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) != 11:
        return False
    day, month = digits[0] * 10 + digits[1], digits[2] * 10 + digits[3]
    if day > 40:
        day -= 40  # D-number
    if month > 40:
        month -= 40  # H-number / synthetic
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    return _check(digits[:9], _W1) == digits[9] and _check(digits[:10], _W2) == digits[10]


def find_patterns(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) for e-mail, fnr, phone and address matches, non-overlapping."""
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for m in EMAIL.finditer(text):
        taken.append(m.span())
        yield m.start(), m.end(), "email"
    for m in FNR.finditer(text):
        if valid_fnr(m.group(0)) and free(*m.span()):
            taken.append(m.span())
            yield m.start(), m.end(), "fnr"
    for m in PHONE.finditer(text):
        if free(*m.span()):
            taken.append(m.span())
            yield m.start(), m.end(), "phone"
    for m in ADDRESS.finditer(text):
        if free(*m.span()):
            taken.append(m.span())
            yield m.start(), m.end(), "address"
