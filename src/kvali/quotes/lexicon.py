"""The language resources of the quote check, loaded once and cached.

* **Hunspell dictionaries** nb_NO and nn_NO from Debian's ``hunspell-no`` (Norsk Ordbank via the
  no.speling.org project, GPL-2.0+), read with spylls (a pure-Python port of Hunspell). The
  word list and affix rules are expanded once into a set of word forms (about 940,000 Bokmål,
  630,000 Nynorsk) and a second set of the forms that may stand in a compound (the ``z`` flag);
  the expansion is stored under kvali's cache, keyed by the dictionary file's size and mtime,
  so a later process loads it in well under a second instead of parsing for ten.
* **NDT-derived tables** (``data/nn_nb.tsv``, ``data/nb_nn.tsv``, ``data/freq_nb.tsv``) built by
  ``scripts/quotes_tables.py`` from the Norwegian Dependency Treebank's lemma and morphology
  annotations (CC0): a Nynorsk form with its Bokmål form of the same lemma and features, and
  the reverse; word frequencies of each half, to choose between candidate forms and to accept
  forms the Hunspell list lacks; Bokmål present-tense verb forms.
* **Spoken forms** (``data/spoken.tsv``): kvali's own table of common dialect forms from several
  regions with their Bokmål and Nynorsk written forms (docs/quotes.md describes it).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kvali.errors import CheckUnavailable, KvaliError
from kvali.util import cache_dir

DATA = Path(__file__).parent / "data"
HUNSPELL_DIRS = ("/usr/share/hunspell", "/usr/share/myspell", "/usr/share/myspell/dicts")
STANDARDS = ("nb", "nn")
_DIC = {"nb": "nb_NO", "nn": "nn_NO"}
_CACHE_VERSION = 2


@dataclass(frozen=True)
class Spoken:
    """One row of the spoken-forms table."""

    form: str
    nb: str
    nn: str
    regions: str
    kind: str  # dialect | conservative (an accepted Bokmål variant, flagged only on request)


@dataclass
class Lexicon:
    """Everything the check looks words up in, for one written standard."""

    standard: str
    words: frozenset[str]  # forms of the study's standard
    compound: frozenset[str]  # forms that may stand first or last in a compound
    other: frozenset[str]  # forms of the other written standard
    other_to_std: dict[str, str]  # a form of the other standard → this standard (NDT)
    spoken: dict[str, Spoken]
    freq: dict[str, int] = field(default_factory=dict)
    present: frozenset[str] = frozenset()  # Bokmål present-tense verb forms (NDT)
    past: frozenset[str] = frozenset()  # Bokmål past-tense and participle forms (NDT)


def _find_dic(name: str) -> Path:
    env = os.environ.get("KVALI_HUNSPELL_DIR")
    for folder in ([env] if env else []) + list(HUNSPELL_DIRS):
        p = Path(folder) / f"{name}.dic"
        if p.is_file() and p.with_suffix(".aff").is_file():
            return p
    raise CheckUnavailable(
        "the Hunspell dictionary {name} is not installed: install the Debian package "
        "hunspell-no (apt-get install hunspell-no), or set KVALI_HUNSPELL_DIR",
        name=name,
    )


def _expand(path: Path) -> tuple[set[str], set[str]]:
    """Every form the .dic/.aff pair accepts on its own (stems, suffixes with their continuation
    suffixes, prefixes with cross-product suffixes), and those that may take part in compounds."""
    try:
        from spylls.hunspell import Dictionary
    except ImportError as exc:  # pragma: no cover - the quotes extra is not installed
        raise KvaliError("the quote check needs spylls: pip install 'kvali[quotes]'") from exc
    d = Dictionary.from_files(str(path.with_suffix("")))
    aff = d.aff
    cflag = aff.COMPOUNDFLAG
    forms: set[str] = set()
    compound: set[str] = set()
    for word in d.dic.words:
        stem, flags = word.stem, word.flags
        mine = {stem}
        suffixed: list[tuple[object, str]] = []
        for f in flags:
            for s in aff.SFX.get(f, ()):
                if stem.endswith(s.strip) and s.cond_regexp.search(stem):
                    new = (stem[: len(stem) - len(s.strip)] if s.strip else stem) + s.add
                    mine.add(new)
                    suffixed.append((s, new))
                    for f2 in s.flags:
                        for s2 in aff.SFX.get(f2, ()):
                            if new.endswith(s2.strip) and s2.cond_regexp.search(new):
                                base = new[: len(new) - len(s2.strip)] if s2.strip else new
                                mine.add(base + s2.add)
        for f in flags:
            for p in aff.PFX.get(f, ()):
                if not stem.startswith(p.strip) or not p.cond_regexp.search(stem):
                    continue
                mine.add(p.add + stem[len(p.strip) :])
                if p.crossproduct:
                    for s, new in suffixed:
                        if getattr(s, "crossproduct", False) and new.startswith(p.strip):
                            mine.add(p.add + new[len(p.strip) :])
        forms |= mine
        if cflag and cflag in flags:
            compound |= mine
    return forms, compound


def hunspell_forms(standard: str) -> tuple[frozenset[str], frozenset[str]]:
    """The expanded forms of nb_NO or nn_NO, from kvali's cache when it is current."""
    return _hunspell_forms(standard)


@cache
def _hunspell_forms(standard: str) -> tuple[frozenset[str], frozenset[str]]:
    """Cached as two newline-joined UTF-8 lists (forms, then compound parts): splitting them is
    about twice as fast as unpickling a set of a million strings."""
    path = _find_dic(_DIC[standard])
    st = path.stat()
    key = f"v{_CACHE_VERSION}-{_DIC[standard]}-{st.st_size}-{st.st_mtime_ns}"
    target = cache_dir() / "hunspell" / f"{key}.txt"
    if target.is_file():
        try:
            words, _, compound = target.read_text(encoding="utf-8").partition("\n\f\n")
            if compound:
                return frozenset(words.split("\n")), frozenset(compound.split("\n"))
        except (OSError, UnicodeDecodeError):
            pass  # a broken cache file is rebuilt below
    words, compound = _expand(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text("\n".join(sorted(words)) + "\n\f\n" + "\n".join(sorted(compound)), "utf-8")
    tmp.replace(target)
    return frozenset(words), frozenset(compound)


def _tsv(name: str) -> list[list[str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.reader(fh, delimiter="\t") if row and not row[0].startswith("#")]


@cache
def spoken_forms() -> dict[str, Spoken]:
    out: dict[str, Spoken] = {}
    for row in _tsv("spoken.tsv")[1:]:
        form, nb, nn, regions, kind = (row + [""] * 5)[:5]
        out[form] = Spoken(form, nb, nn or nb, regions, kind or "dialect")
    return out


@cache
def pair_table(name: str) -> dict[str, str]:
    return {row[0]: row[1] for row in _tsv(name)[1:] if len(row) >= 2}


@cache
def frequencies(standard: str = "nb") -> dict[str, int]:
    return {row[0]: int(row[1]) for row in _tsv(f"freq_{standard}.tsv")[1:] if len(row) >= 2}


# A form the treebank's half of a standard writes this often counts as a word of it even when
# the Hunspell list lacks it: Debian's nb_NO 2.x has no «noe» or «noen» (it has «nåe», «nåen»).
SUPPLEMENT_MIN = 3


@cache
def lexicon(standard: str = "nb") -> Lexicon:
    """The lexicon for a Bokmål (``nb``) or Nynorsk (``nn``) study."""
    if standard not in STANDARDS:
        raise KvaliError("unknown written standard {standard}: use nb or nn", standard=standard)
    other = "nn" if standard == "nb" else "nb"
    words, compound = hunspell_forms(standard)
    other_words, _ = hunspell_forms(other)
    freq = frequencies(standard)
    supplement = [w for w, n in freq.items() if n >= SUPPLEMENT_MIN and w.isalpha()]
    missing = [w for w in supplement if w not in words]
    return Lexicon(
        standard=standard,
        words=words.union(missing) if missing else words,
        compound=compound,
        other=other_words,
        other_to_std=pair_table("nn_nb.tsv" if standard == "nb" else "nb_nn.tsv"),
        spoken=spoken_forms(),
        freq=freq,
        present=frozenset(pair_table("pres_nb.tsv")) if standard == "nb" else frozenset(),
        past=frozenset(pair_table("past_nb.tsv")) if standard == "nb" else frozenset(),
    )
