"""Replacement styles: the thesis' «xxx (navn på skole)», numbered tags, realistic pseudonyms.

A replacement belongs to an entity, not to an occurrence, so the same name reads the same way
in every transcript of the study.
"""

from __future__ import annotations

import re
from collections.abc import Collection

STYLES = ("thesis", "tags", "pseudonyms")
TAGS = {"PER": "PERSON", "LOC": "PLACE", "ORG": "ORG", "MISC": "MISC"}
KIND_TAGS = {"email": "EMAIL", "phone": "PHONE", "fnr": "ID", "address": "ADDRESS"}

CATEGORIES = {
    "nb": {
        "PER": "navn på person",
        "LOC": "navn på sted",
        "ORG": "navn på organisasjon",
        "MISC": "navn",
        "email": "e-postadresse",
        "phone": "telefonnummer",
        "fnr": "fødselsnummer",
        "address": "adresse",
        "skole": "navn på skole",
        "nettverk": "navn på nettverk",
        "prosjekt": "navn på prosjekt",
        "kommune": "navn på kommune",
    },
    "en": {
        "PER": "name of person",
        "LOC": "name of place",
        "ORG": "name of organisation",
        "MISC": "name",
        "email": "e-mail address",
        "phone": "phone number",
        "fnr": "national id number",
        "address": "address",
        "skole": "name of school",
        "nettverk": "name of network",
        "prosjekt": "name of project",
        "kommune": "name of municipality",
    },
}

# Fictional-sounding names for the «pseudonyms» style (not drawn from the study).
GIVEN_POOL = (
    "Nora Jonas Ida Emil Tuva Sander Frida Magnus Hedda Eirik Maja Sindre Vilde Aksel Thea "
    "Even Selma Tobias Live Oskar Ylva Brage Signe Vetle Ronja Iver Solveig Kasper Mille Trym"
).split()
SURNAME_POOL = (
    "Lindvik Haugli Berntun Solvang Nyhus Fjeldstad Rognli Kvamme Austad Tjønn Melbye Skaret "
    "Vatne Grødem Ulvestad Kleppe Rustøen Heggli Sylte Lunner"
).split()
PLACE_POOL = (
    "Lindvik Åsmark Fjordbu Dalheim Nordhavn Breiset Kvernli Solås Heimdal Furuvik Storeng "
    "Vikane Granly Elvetun Bjørnli Havstad Lyngmo Sandnes-bakken Tindeli Ospedal"
).split()
GENERIC_TAIL = re.compile(
    r"([\s-](?:skole|skule|skolen|skulen|barneskole|ungdomsskole|kommune|nettverket|nettverk|"
    r"prosjektet|prosjekt|barnehage|school|network|project))$",
    re.IGNORECASE,
)


def default_category(label: str, kind: str, text: str, lang: str = "nb") -> str:
    """The thesis-style label for an entity, sharpened by what the name itself says."""
    table = CATEGORIES["en" if lang == "en" else "nb"]
    if kind != "name":
        return table.get(kind, table["MISC"])
    low = text.casefold()
    if label in ("ORG", "LOC"):
        for word in ("skole", "nettverk", "prosjekt", "kommune"):
            if word in low or (word == "skole" and "skule" in low):
                return table[word]
    return table.get(label, table["MISC"])


def thesis(category: str) -> str:
    return f"xxx ({category})"


def tag(label: str, kind: str, number: int) -> str:
    return f"[{KIND_TAGS.get(kind) or TAGS.get(label, 'MISC')}-{number}]"


def pseudonym(
    label: str, kind: str, text: str, number: int, taken: Collection[str], category: str
) -> str:
    """A realistic stand-in that is not an original name of the study and not yet used."""
    if kind != "name" or label == "MISC":
        return thesis(category)
    avoid = {t.casefold() for t in taken}
    words = text.split()
    for attempt in range(200):
        i = number * 7 + attempt
        if label == "PER":
            if len(words) >= 2:
                cand = f"{GIVEN_POOL[i % len(GIVEN_POOL)]} {SURNAME_POOL[(i // 3) % len(SURNAME_POOL)]}"
            else:
                cand = GIVEN_POOL[i % len(GIVEN_POOL)]
        else:
            base = PLACE_POOL[i % len(PLACE_POOL)]
            tail = GENERIC_TAIL.search(text) if label == "ORG" else None
            cand = base + (tail.group(1) if tail else "")
        if cand.casefold() not in avoid and not any(w.casefold() in avoid for w in cand.split()):
            return cand
    return tag(label, kind, number)  # pragma: no cover - pools exhausted
