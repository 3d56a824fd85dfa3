"""Guessing who a speaker label stands for, so imports need no manual role mapping."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ._common import clean_line

INTERVIEWER_WORDS = frozenset(
    {
        "i", "q", "int", "interv", "intervjuer", "intervjuar", "interviewer", "forsker",
        "researcher", "moderator", "fasilitator", "facilitator",
    }
)  # fmt: skip
OTHER_WORDS = frozenset(
    {
        "ukjent", "ukjend", "unknown", "alle", "all", "flere", "fleire", "begge", "both",
        "everyone", "uidentifisert", "unidentified",
    }
)  # fmt: skip
PARTICIPANT_WORDS = frozenset(
    {
        "r", "p", "resp", "respondent", "deltaker", "deltakar", "informant", "participant",
        "interviewee", "intervjuobjekt",
    }
)  # fmt: skip

# A role word optionally followed by one qualifier: "Intervjuer 1", "Forsker A", "R1", "I2".
_ROLE_LABEL = re.compile(r"([^\W\d_]+)[\s._-]*(\d+|[^\W\d_])?")


def role_word(label: str) -> str | None:
    """The role a label names by a conventional role word, or None for a name-like label.

    Single-letter words ("I", "Q", "R", "P") only take a number as qualifier, so that a
    two-letter name such as "Ia" is not mistaken for "I" + "a".
    """
    m = _ROLE_LABEL.fullmatch(clean_line(label).casefold())
    if not m:
        return None
    word, qualifier = m.group(1), m.group(2)
    if len(word) == 1 and qualifier is not None and not qualifier.isdigit():
        return None
    if word in INTERVIEWER_WORDS:
        return "interviewer"
    if word in OTHER_WORDS:
        return "other"
    if word in PARTICIPANT_WORDS:
        return "participant"
    return None


def guess_role(label: str, *, interviewer_names: Iterable[str] = ()) -> str:
    """Guess "interviewer", "participant" or "other" from a speaker label.

    Rule, in order:
    1. a label equal (case-insensitive, spaces collapsed) to one of ``interviewer_names``
       → "interviewer" (researchers often transcribe under their own name);
    2. a conventional interviewer word, optionally followed by a number or one letter:
       I, Q, Int, Intervjuer, Interviewer, Forsker, Researcher, Moderator, Fasilitator
       (e.g. "Intervjuer 1", "Forsker A", "I2") → "interviewer";
    3. a word meaning several or unknown speakers: Ukjent, Unknown, Alle, All, Flere,
       Begge, Both, Everyone → "other";
    4. anything else → "participant": R, R1, Respondent, Deltaker, Informant, P1,
       names such as "Kari", job titles such as "Rektor", and bare letters such as "A".
    Participant is the default because interviews usually have one researcher and the
    researcher is the one who knows (and can pass) their own labels.
    """
    key = clean_line(label).casefold()
    if key and key in {clean_line(n).casefold() for n in interviewer_names}:
        return "interviewer"
    role = role_word(label)
    return role if role in ("interviewer", "other") else "participant"
