"""Synthetic corpus for the scale benchmark: Bokmål-looking interviews, codebook, attributes.

Deterministic for a seed; used by ``bench/scale.py`` (import, search, reports) and
``bench/pseudonymize.py`` (throughput). Generation is never timed.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from kvali.util import format_ms

# --------------------------------------------------------------------------------------------
# Vocabulary: frequent Bokmål function words first, then interview-domain words, then words
# built from Norwegian-looking syllables. Frequencies follow Zipf's law over that ranking.
# --------------------------------------------------------------------------------------------

FUNCTION_WORDS = """
og i det er som en på å til at med har for jeg de ikke av den vi var så men et om han hun kan vil
skal fra seg også etter ble blir meg når man mange litt veldig liksom egentlig altså da der her
hvor hva noe noen alle bare mer mye godt bra ja nei tror synes tenker føler vet sier gjør får går
kommer tar ser hadde være vært hvis fordi eller sånn slik dette disse andre første hele ofte aldri
alltid kanskje nok jo vel nå siden mellom under over gjennom uten mot hos oss dem sin sitt sine min
mitt mine vår våre deres hans hennes dag tid år ganger måte gang sammen selv helt ganske faktisk
akkurat viktig vanskelig enkelt lett stor store liten små ny nye gamle annen annet hverandre
""".split()

DOMAIN_WORDS = """
skolen elevene lærerne ledelsen samarbeid arbeidsdagen tilbakemelding kollegaer foreldrene
undervisning opplevelse utfordringer trygghet mestring motivasjon hverdagen møter planlegging
vurdering digitale klasserommet rektor timene oppgaver ansvar rutiner erfaring kompetanse
fagfellesskap læreplanen prøver karakterer læringsmål tilpasset opplæring spesialundervisning
ressurser assistent team trinnet friminuttet skolebygget kantina pauserommet arbeidstid
overtid sykefravær stress belastning energi glede frustrasjon tillit respekt støtte veiledning
mentor nyutdannet etterutdanning kurs studier masteroppgave forskning endring reform
rapportering dokumentasjon skjemaer systemet plattformen nettbrett datamaskin skjermtid
kommunikasjon meldinger eposter telefon foreldremøte utviklingssamtale elevsamtale klassemiljø
mobbing inkludering fellesskap relasjoner konflikter grenser struktur frihet fleksibilitet
forventninger krav mål resultater kvalitet prioriteringer hjemme familie barna fritid helg ferie
""".split()

ONSETS = (
    "b bl br d dr f fl fr g gl gr h j k kl kr l m n p pl pr r s sk skr sl sm sn sp st str sv "
    "t tr v kj skj"
).split() + [""] * 4
VOWELS = "a e i o u y æ ø å a e i o e a ei au øy".split()
CODAS = "n r l s t k g m nd ng nk rt st kt ll nn tt kk rd".split() + [""] * 8
INNER_CODAS = "n r l s t k m".split() + [""] * 10
_TRIPLE = re.compile(r"(.)\1\1")
SUFFIXES = "en et ene er ing ingen het else lig lige te ende sjon skap".split() + [""] * 10

# Three themes × three categories × four codes (all names unique, so any of them resolves).
CODEBOOK = {
    "Arbeidsbelastning": {
        "Tidspress": ["Mangel på tid", "Avbrytelser", "Overtid", "Prioritering"],
        "Dokumentasjon": ["Rapportering", "Skjemaer", "Vurderingsarbeid", "Digitale systemer"],
        "Mestring": ["Følelse av mestring", "Utbrenthet", "Strategier", "Støtte hjemme"],
    },
    "Samarbeid": {
        "Kollegaer": ["Deling av opplegg", "Uformell støtte", "Konflikter", "Teamarbeid"],
        "Ledelse": ["Tillit", "Kontroll", "Tilgjengelighet", "Tydelige forventninger"],
        "Foreldre": [
            "Kontakt med hjem",
            "Krevende foreldre",
            "Foreldremøter",
            "Samarbeid om elever",
        ],
    },
    "Profesjonell utvikling": {
        "Kompetanse": ["Etterutdanning", "Faglig trygghet", "Nye læreplaner", "Erfaring"],
        "Veiledning": ["Nyutdannede", "Mentorordning", "Kollegaveiledning", "Tilbakemeldinger"],
        "Digitalisering": ["Nettbrett", "Læringsplattform", "Skjermtid", "Digital kompetanse"],
    },
}
RESEARCH_QUESTIONS = [
    ("Hvordan opplever lærere arbeidsbelastningen i hverdagen?", "Arbeidsbelastning"),
    ("Hvilken rolle spiller samarbeid med kollegaer, ledelse og foreldre?", "Samarbeid"),
    ("Hva fremmer og hemmer lærernes profesjonelle utvikling?", "Profesjonell utvikling"),
]
# An interview guide along the codebook (keywords from the corpus vocabulary, some inflected or
# compound, so coverage finds evidence), plus one topic no interview touches.
GUIDE = {
    "introduction": "Syntetisk intervjuguide for skalatesten.",
    "topics": [
        {
            "text": "Arbeidsbelastning og tid",
            "questions": [
                {
                    "text": "Hvordan ser arbeidsdagen din ut?",
                    "keywords": ["Arbeidstid", "Overtid", "Planlegging av timene"],
                },
                {
                    "text": "Hva gir stress og belastning i hverdagen?",
                    "keywords": ["Rapportering / dokumentasjon", "Skjemaer", "Sykefravær"],
                },
                {
                    "text": "Hvordan opplever du mestring?",
                    "keywords": ["Mestring", "Energi og glede", "Strategier"],
                },
            ],
        },
        {
            "text": "Samarbeid",
            "questions": [
                {
                    "text": "Hvordan samarbeider du med kollegaene?",
                    "keywords": ["Fagfellesskap", "Deling av opplegg", "Team"],
                },
                {
                    "text": "Hvordan opplever du ledelsen?",
                    "keywords": ["Tillit og respekt", "Veiledning", "Forventninger – krav"],
                },
                {
                    "text": "Hvordan er kontakten med foreldrene?",
                    "keywords": ["Foreldremøte", "Utviklingssamtale", "Kommunikasjon"],
                },
            ],
        },
        {
            "text": "Profesjonell utvikling",
            "questions": [
                {
                    "text": "Hvilken etterutdanning har du tatt?",
                    "keywords": ["Kurs", "Studier", "Masteroppgave"],
                },
                {
                    "text": "Hvordan brukes digitale verktøy?",
                    "keywords": ["Nettbrett", "Plattformen", "Skjermtid"],
                },
            ],
        },
        {
            "text": "Skolehagen",
            "questions": [
                {"text": "Dyrker elevene grønnsaker?", "keywords": ["Drivhus", "Kompost"]}
            ],
        },
    ],
}
# The shipped theory framework loaded into the study, and a code mapped to one of its items
# (those codings are explicit evidence; the other items are found by keywords, or not).
FRAMEWORK = "irgens"
FRAMEWORK_LINK = ("Deler erfaringer fra egen praksis", "Deling av opplegg")
ATTRIBUTES = {
    "kjønn": ["kvinne", "mann"],
    "alder": ["20–29", "30–39", "40–49", "50–59", "60+"],
    "stilling": ["lærer", "rektor", "assistent", "spesialpedagog"],
    "skoletype": ["barneskole", "ungdomsskole", "videregående"],
}
MODES = ["in-person", "hybrid", "digital"]
INTERVIEWERS = ["Kari Nordmann", "Ola Hansen"]
CODERS = ["Forsker A", "Forsker B"]


def build_vocabulary(rng: random.Random, size: int) -> list[str]:
    words: list[str] = []
    seen: set[str] = set()
    for w in itertools.chain(FUNCTION_WORDS, DOMAIN_WORDS):
        if w not in seen:
            seen.add(w)
            words.append(w)
    while len(words) < size:
        n_syll = rng.choices((1, 2, 3), weights=(4, 5, 1))[0]
        w = "".join(
            rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(INNER_CODAS)
            for _ in range(n_syll - 1)
        )
        w += rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) + rng.choice(SUFFIXES)
        if 3 <= len(w) <= 13 and w not in seen and not _TRIPLE.search(w):
            seen.add(w)
            words.append(w)
    return words


def zipf_cum_weights(n: int, s: float = 1.0, q: float = 2.7) -> list[float]:
    """Zipf–Mandelbrot weights 1/(rank+q)^s: the top word ("og") gets about 4 % of the tokens."""
    return list(itertools.accumulate(1.0 / ((r + q) ** s) for r in range(1, n + 1)))


# --------------------------------------------------------------------------------------------
# Corpus generation (not timed)
# --------------------------------------------------------------------------------------------


@dataclass
class GenInterview:
    label: str
    participant: str
    attributes: dict[str, str]
    mode: str
    date: date
    interviewer: str
    path: Path
    words: int = 0
    turns: int = 0
    codings: list[tuple[int, int, int, bool, str]] = field(
        default_factory=list
    )  # start, end, code#, gold, coder
    check: list[tuple[int, int, str]] = field(default_factory=list)  # a few spans with their text


class Generator:
    def __init__(self, seed: int, vocab_size: int = 6000):
        self.rng = random.Random(seed)
        self.vocab = build_vocabulary(self.rng, vocab_size)
        self.cum = zipf_cum_weights(len(self.vocab))
        self.bigrams: list[str] = []

    def _words(self, k: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum, k=k)

    def _sentences(self, n_words: int, *, question: bool = False) -> str:
        rng, out, left = self.rng, [], n_words
        while left > 0:
            n = min(rng.randint(8, 25), left)
            if 0 < left - n < 8:  # do not leave a stub sentence
                n = left
            ws = self._words(n)
            ws[0] = ws[0][:1].upper() + ws[0][1:]
            if n > 6 and rng.random() < 0.35:
                k = rng.randint(2, n - 3)
                ws[k] += ","
            left -= n
            end = "?" if question and left == 0 else "."
            out.append(" ".join(ws) + end)
        return " ".join(out)

    def interview(self, folder: Path, i: int, n: int, words: int, n_codings: int) -> GenInterview:
        rng = self.rng
        width = max(3, len(str(n)))
        gi = GenInterview(
            label=f"Intervju {i:0{width}d}",
            participant=f"R{i:0{width}d}",
            attributes={k: rng.choice(v) for k, v in ATTRIBUTES.items()},
            mode=rng.choice(MODES),
            date=date(2024, 1, 8) + timedelta(days=i // 3),
            interviewer=rng.choice(INTERVIEWERS),
            path=folder / f"intervju_{i:0{width}d}.txt",
        )
        lines = ["---", f"title: {gi.label}", "language: nb", "---", ""]
        turns: list[tuple[str, str]] = []  # (role, text)
        ms, total = rng.randint(2000, 9000), 0
        while total < words:
            q = self._sentences(rng.randint(5, 20), question=True)
            lines.append(f"[{format_ms(ms)}] I: {q}")
            turns.append(("interviewer", q))
            ms += int(len(q.split()) * rng.uniform(320, 480))
            total += len(q.split())
            target = min(rng.randint(50, 150), max(words - total, 8))
            paras = [self._sentences(target)]
            if target > 80 and rng.random() < 0.15:  # a second paragraph after a blank line
                paras.append(self._sentences(rng.randint(8, 30)))
            lines.append(f"[{format_ms(ms)}] {gi.participant}: {paras[0]}")
            for p in paras[1:]:
                lines += ["", p]
            text = "\n".join(paras)
            turns.append(("participant", text))
            n_words = len(text.split())
            ms += int(n_words * rng.uniform(320, 480))
            total += n_words
        gi.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        gi.words, gi.turns = total, len(turns)
        # Offsets as kvali lays the transcript out: turn texts joined by "\n".
        starts, pos = [], 0
        for _, text in turns:
            starts.append(pos)
            pos += len(text) + 1
        part = [k for k, (role, _) in enumerate(turns) if role == "participant"]
        prev: tuple[int, int] | None = None
        for c in range(n_codings):
            if prev is not None and rng.random() < 0.1:  # a second code on the same passage
                s, e = prev
            else:
                k = rng.choice(part)
                toks = [m.span() for m in re.finditer(r"\S+", turns[k][1])]
                a = rng.randrange(len(toks))
                b = min(len(toks) - 1, a + rng.randint(5, 60))
                s, e = starts[k] + toks[a][0], starts[k] + toks[b][1]
                if len(self.bigrams) < 200 and b > a and rng.random() < 0.3:
                    self.bigrams.append(
                        " ".join(turns[k][1][toks[a][0] : toks[a + 1][1]].split()).strip(".,?")
                    )
            code = min(int(rng.paretovariate(1.2)) - 1, 35)
            gi.codings.append((s, e, code, rng.random() < 0.08, CODERS[c % 2]))
            prev = (s, e)
        joined = "\n".join(text for _, text in turns)
        for s, e, *_ in gi.codings[:3]:
            gi.check.append((s, e, joined[s:e]))
        return gi
