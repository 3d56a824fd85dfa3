"""Scale benchmark: a synthetic coded corpus through kvali's real import, search and report paths.

    .venv/bin/python bench/scale.py --interviews 500 --words 8000

Generates N deterministic Bokmål-looking interview transcripts (``[hh:mm:ss] Label: text``) into a
temporary folder (not timed), then measures:

* ``import_s``: ``Project.init`` + study, participants, interviews and ``import_transcript`` of every
  file (parsing included), the codebook (3 themes × 3 categories × 4 codes, research questions
  linked to the themes), one analytic memo per interview, and ~W/200 codings per interview through
  ``add_codings`` (the bulk path CSV/REFI imports use). One transaction per interview, as a bulk import would. ``codings_s`` is the
  codings part of it.
* ``search_median_ms`` / ``search_p95_ms``: ~50 queries (common, mid and rare words, AND, phrases,
  prefixes, filters by code/mode/attribute) through ``kvali.search.service.search``, each in its own
  ``project.begin()`` as the CLI does, warmed once, timed ``--search-repeats`` times.
* ``reports_s``: ``write_study_reports`` (all formats, ``lang="nb"``); ``build_report`` and each
  renderer are also timed on their own.
* ``peak_rss_mb``: ``ru_maxrss`` at the end (the whole process, generation included).

A baseline is measured in the same run: a bare SQLite file with the same turn rows and an FTS5
index like kvali's, filled with ``sqlite3`` ``executemany`` (one transaction per interview, files
read and split with one regular expression, codings inserted in bulk), and the same FTS5 MATCH
expressions run against it. ``import_ratio`` and ``search_ratio`` compare kvali with it.

Progress goes to stderr; a human summary and, last, one JSON line go to stdout.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import pstats
import random
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

# Targets from the issue, for N=500, W=8000 on the 2-core reference machine.
TARGETS = {"import_s": 60.0, "search_median_ms": 20.0, "reports_s": 10.0, "peak_rss_mb": 1536.0}

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


def _clock(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


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
            lines.append(f"[{_clock(ms)}] I: {q}")
            turns.append(("interviewer", q))
            ms += int(len(q.split()) * rng.uniform(320, 480))
            total += len(q.split())
            target = min(rng.randint(50, 150), max(words - total, 8))
            paras = [self._sentences(target)]
            if target > 80 and rng.random() < 0.15:  # a second paragraph after a blank line
                paras.append(self._sentences(rng.randint(8, 30)))
            lines.append(f"[{_clock(ms)}] {gi.participant}: {paras[0]}")
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


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


class Profiler:
    """cProfile around one named phase when ``--profile`` asks for it; top 15 by cumulative time."""

    def __init__(self, wanted: set[str]):
        self.wanted = wanted

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        if phase not in self.wanted:
            yield
            return
        prof = cProfile.Profile()
        prof.enable()
        try:
            yield
        finally:
            prof.disable()
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(15)
            print(
                f"\n===== profile: {phase} (top 15 by cumulative time) =====\n{buf.getvalue()}",
                file=sys.stderr,
                flush=True,
            )


def fts5_expr(query: str) -> str:
    """The documented query syntax (words AND-ed, "phrases", prefix*) as an FTS5 expression."""
    import shlex

    try:
        parts = shlex.split(query)
    except ValueError:
        parts = query.replace('"', " ").split()
    out = []
    for part in parts:
        words = re.findall(r"\w+", part.lower())
        if words:
            out.append('"' + " ".join(words) + '"' + ("*" if part.endswith("*") else ""))
    return " AND ".join(out)


def percentile(values: list[float], p: float) -> float:
    v = sorted(values)
    k = (len(v) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


# --------------------------------------------------------------------------------------------
# kvali phases
# --------------------------------------------------------------------------------------------


def kvali_import(
    project_dir: Path, corpus: list[GenInterview], database_url: str | None, profile: Profiler
) -> tuple[Any, int, dict[str, float], list[int]]:
    from kvali.codes.service import create_code
    from kvali.codings.service import add_codings
    from kvali.interviews.service import add_interview
    from kvali.memos.service import add_memo
    from kvali.participants.service import add_participant
    from kvali.project import Project
    from kvali.studies.service import add_research_question, create_study, link_theme
    from kvali.transcripts.service import import_transcript

    t: dict[str, float] = {}
    n = len(corpus)
    with profile("import"):
        t0 = time.perf_counter()
        project = Project.init(project_dir, database_url=database_url)
        with project.begin() as conn:
            if conn.execute(sa.text("SELECT count(*) FROM studies")).scalar():
                raise SystemExit("the database already holds a study; give an empty database")
            sid = create_study(
                conn,
                title="Lærernes arbeidshverdag (syntetisk skalatest)",
                problem_statement="Hvordan opplever lærere arbeidshverdagen sin?",
                language="nb",
            )
            for gi in corpus:
                add_participant(conn, sid, code=gi.participant, attributes=gi.attributes)
        t["setup_s"] = time.perf_counter() - t0

        t1 = time.perf_counter()
        tids: list[int] = []
        iids: list[int] = []
        for k, gi in enumerate(corpus, 1):
            with project.begin() as conn:
                iids.append(
                    add_interview(
                        conn,
                        sid,
                        label=gi.label,
                        participants=[gi.participant],
                        interviewers=[gi.interviewer],
                        date=gi.date,
                        mode=gi.mode,
                        duration_s=gi.words * 2 // 5,
                    )
                )
                tids.append(import_transcript(conn, sid, gi.label, gi.path, language="nb"))
            if k % 50 == 0 or k == n:
                log(f"  transcripts {k}/{n}  ({time.perf_counter() - t1:.1f} s)")
        t["transcripts_s"] = time.perf_counter() - t1

        t2 = time.perf_counter()
        code_ids: list[int] = []
        theme_ids: dict[str, int] = {}
        with project.begin() as conn:
            for theme, cats in CODEBOOK.items():
                theme_ids[theme] = create_code(
                    conn, sid, name=theme, level="theme", description=f"Tema: {theme}"
                )
                for cat, codes in cats.items():
                    cat_id = create_code(
                        conn,
                        sid,
                        name=cat,
                        parent=theme_ids[theme],
                        description=f"Kategori under {theme}",
                    )
                    for name in codes:
                        code_ids.append(create_code(conn, sid, name=name, parent=cat_id))
            for i, (text, theme) in enumerate(RESEARCH_QUESTIONS, 1):
                add_research_question(conn, sid, text=text)
                link_theme(conn, sid, question=i, code_id=theme_ids[theme])
        t["codebook_s"] = time.perf_counter() - t2

        t3 = time.perf_counter()
        with project.begin() as conn:
            for gi, iid in zip(corpus, iids, strict=True):
                add_memo(
                    conn,
                    sid,
                    target_type="interview",
                    target_id=iid,
                    kind="analytic",
                    text=f"{gi.participant} beskriver en travel hverdag; samarbeid nevnes ofte.",
                )
        t["memos_s"] = time.perf_counter() - t3

    with profile("codings"):
        t4 = time.perf_counter()
        for k, (gi, tid) in enumerate(zip(corpus, tids, strict=True), 1):
            with project.begin() as conn:
                add_codings(
                    conn,
                    sid,
                    [
                        {
                            "transcript_id": tid,
                            "code": code_ids[code],
                            "start": s,
                            "end": e,
                            "coder": coder,
                            "gold": gold,
                        }
                        for s, e, code, gold, coder in gi.codings
                    ],
                )
            if k % 50 == 0 or k == n:
                log(f"  codings for {k}/{n} interviews  ({time.perf_counter() - t4:.1f} s)")
        t["codings_s"] = time.perf_counter() - t4
    t["import_s"] = time.perf_counter() - t0
    return project, sid, t, tids


def verify(project: Any, sid: int, corpus: list[GenInterview], tids: list[int]) -> None:
    """Spot-check that kvali stored what was generated (offsets included); not timed."""
    from kvali.transcripts.service import get_text

    with project.begin() as conn:
        for gi, tid in list(zip(corpus, tids, strict=True))[:: max(1, len(corpus) // 10)]:
            text = get_text(conn, tid)
            for s, e, want in gi.check:
                if text[s:e] != want:
                    raise SystemExit(
                        f"offset mismatch in {gi.label} at {s}–{e}: {text[s:e]!r} != {want!r}"
                    )


def build_queries(gen: Generator, code_names: list[str]) -> list[tuple[str, dict[str, Any]]]:
    v, rng = gen.vocab, random.Random(7)
    nf = len(FUNCTION_WORDS)
    common = v[:10]
    mid = [v[i] for i in rng.sample(range(nf + 20, 800), 10)]
    rare = [v[i] for i in rng.sample(range(3000, len(v)), 7)] + [
        "fotosyntese"
    ]  # the last never occurs
    queries: list[tuple[str, dict[str, Any]]] = [(w, {}) for w in common + mid + rare]
    queries += [
        (f"{a} {b}", {}) for a, b in zip(common[:3] + mid[:3], mid[3:6] + mid[6:9], strict=True)
    ]
    phrases = [b for b in gen.bigrams if len(b.split()) == 2][:4] or [
        "det er",
        "jeg tror",
        "og så",
        "på en",
    ]
    queries += [(f'"{p}"', {}) for p in phrases]
    queries += [
        (w[: max(3, len(w) - 3)] + "*", {})
        for w in ("samarbeid", "undervisning", v[nf + 40], v[1500])
    ]
    queries += [
        ("tid", {"code": code_names[0]}),
        ("elevene", {"code": code_names[5]}),
        (mid[0], {"code": code_names[1]}),
        ("og", {"code": code_names[2]}),
    ]
    queries += [
        ("tid", {"mode": "digital"}),
        (mid[1], {"mode": "hybrid"}),
        ("og", {"mode": "in-person"}),
    ]
    queries += [
        ("tid", {"attribute": ("skoletype", "barneskole")}),
        (mid[2], {"attribute": ("stilling", "rektor")}),
        ("og", {"attribute": ("kjønn", "kvinne")}),
    ]
    return queries


def kvali_search(
    project: Any,
    sid: int,
    queries: list[tuple[str, dict[str, Any]]],
    repeats: int,
    profile: Profiler,
) -> tuple[list[float], list[tuple[float, str, int]]]:
    from kvali.search.service import search

    def run(q: str, kw: dict[str, Any]) -> int:
        with project.begin() as conn:
            return len(search(conn, sid, q, limit=50, **kw))

    for q, kw in queries:  # warm
        run(q, kw)
    times: list[float] = []
    per_query: list[tuple[float, str, int]] = []
    with profile("search"):
        for q, kw in queries:
            qt = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                hits = run(q, kw)
                qt.append((time.perf_counter() - t0) * 1000)
            times += qt
            label = q + "".join(f" {k}={v}" for k, v in kw.items())
            per_query.append((statistics.median(qt), label, hits))
    return times, per_query


def kvali_reports(project: Any, sid: int, out: Path, profile: Profiler) -> dict[str, Any]:
    from kvali.reports.build import build_report
    from kvali.reports.render import (
        render_html,
        render_json,
        render_markdown,
        write_csv,
        write_docx,
        write_xlsx,
    )
    from kvali.reports.service import write_study_reports

    r: dict[str, Any] = {}
    with profile("reports"):
        t0 = time.perf_counter()
        files = write_study_reports(project, lang="nb", out_dir=out / "all")
        r["reports_s"] = time.perf_counter() - t0
    r["report_files"] = {p.name: p.stat().st_size for p in files}

    t0 = time.perf_counter()
    with project.begin() as conn:
        report = build_report(conn, sid)
    r["build_report_s"] = time.perf_counter() - t0
    sep = out / "separate"
    sep.mkdir()
    steps: dict[str, Callable[[], Any]] = {
        "md": lambda: (sep / "report.md").write_text(
            render_markdown(report, "nb"), encoding="utf-8"
        ),
        "html": lambda: (sep / "report.html").write_text(
            render_html(report, "nb"), encoding="utf-8"
        ),
        "docx": lambda: write_docx(report, sep / "report.docx", "nb"),
        "xlsx": lambda: write_xlsx(report, sep / "report.xlsx", "nb"),
        "csv": lambda: write_csv(report, sep, "nb"),
        "json": lambda: (sep / "report.json").write_text(render_json(report), encoding="utf-8"),
    }
    r["render_s"] = {}
    for fmt, fn in steps.items():
        t0 = time.perf_counter()
        fn()
        r["render_s"][fmt] = time.perf_counter() - t0
    return r


def db_size_mb(project: Any) -> float:
    if project.is_sqlite:
        db = project.path / "kvali.db"
        total = sum(p.stat().st_size for p in (db, db.with_name("kvali.db-wal")) if p.exists())
        return total / 2**20
    with project.engine.connect() as conn:
        return conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar() / 2**20


# --------------------------------------------------------------------------------------------
# Baseline: bare sqlite3 + FTS5, same rows, same MATCH expressions
# --------------------------------------------------------------------------------------------

_LINE = re.compile(r"\[(\d\d):(\d\d):(\d\d)\] ([^:]+): (.*)")


def baseline_import(path: Path, corpus: list[GenInterview]) -> float:
    t0 = time.perf_counter()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(
        """
        CREATE TABLE turns (id INTEGER PRIMARY KEY, transcript_id INTEGER NOT NULL, position INTEGER,
            speaker TEXT, role TEXT, start_ms INTEGER, start_char INTEGER, end_char INTEGER, text TEXT);
        CREATE INDEX ix_turns_transcript_id ON turns (transcript_id);
        CREATE VIRTUAL TABLE turns_fts USING fts5(text, content='turns', content_rowid='id',
            tokenize='unicode61 remove_diacritics 0');
        CREATE TRIGGER turns_fts_ai AFTER INSERT ON turns BEGIN
            INSERT INTO turns_fts(rowid, text) VALUES (new.id, new.text); END;
        CREATE TABLE codings (id INTEGER PRIMARY KEY, transcript_id INTEGER, code_id INTEGER,
            start_char INTEGER, end_char INTEGER, is_gold INTEGER);
        CREATE INDEX ix_codings_transcript_id ON codings (transcript_id);
        """
    )
    for tid, gi in enumerate(corpus, 1):
        turns: list[list[Any]] = []
        for line in gi.path.read_text(encoding="utf-8").split("\n"):
            m = _LINE.match(line)
            if m:
                h, mi, s, speaker, text = m.groups()
                role = "interviewer" if speaker == "I" else "participant"
                turns.append([speaker, role, (int(h) * 3600 + int(mi) * 60 + int(s)) * 1000, text])
            elif line and turns and not line.startswith(("---", "title:", "language:")):
                turns[-1][3] += "\n" + line
        rows, pos = [], 0
        for k, (speaker, role, ms, text) in enumerate(turns):
            rows.append((tid, k, speaker, role, ms, pos, pos + len(text), text))
            pos += len(text) + 1
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO turns (transcript_id, position, speaker, role, start_ms, start_char, "
            "end_char, text) VALUES (?,?,?,?,?,?,?,?)",
            rows,
        )
        db.executemany(
            "INSERT INTO codings (transcript_id, code_id, start_char, end_char, is_gold) "
            "VALUES (?,?,?,?,?)",
            [(tid, c, s, e, g) for s, e, c, g, _ in gi.codings],
        )
        db.execute("COMMIT")
    db.close()
    return time.perf_counter() - t0


def baseline_search(
    path: Path, queries: list[tuple[str, dict[str, Any]]], repeats: int
) -> tuple[list[float], dict[str, int]]:
    db = sqlite3.connect(path, isolation_level=None)
    sql = "SELECT rowid, text FROM turns_fts WHERE turns_fts MATCH ? ORDER BY rowid LIMIT 50"
    exprs = [fts5_expr(q) for q, _ in queries]
    for e in exprs:
        db.execute(sql, (e,)).fetchall()
    times: list[float] = []
    hits: dict[str, int] = {}
    for (q, kw), e in zip(queries, exprs, strict=True):
        for _ in range(repeats):
            t0 = time.perf_counter()
            n = len(db.execute(sql, (e,)).fetchall())
            times.append((time.perf_counter() - t0) * 1000)
        if not kw:
            hits[q] = n
    db.close()
    return times, hits


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--interviews", type=int, default=500, help="number of interviews (N)")
    ap.add_argument("--words", type=int, default=8000, help="words per interview (W)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="create the project here and keep it")
    ap.add_argument("--database-url", default=None, help="run on PostgreSQL (an empty database)")
    ap.add_argument(
        "--search-repeats", type=int, default=3, help="timed runs per query (default 3)"
    )
    ap.add_argument(
        "--profile",
        action="append",
        default=[],
        choices=["import", "codings", "search", "reports"],
        help="print a cProfile of this phase to stderr (repeatable)",
    )
    args = ap.parse_args(argv)
    if args.interviews < 1 or args.words < 50:
        ap.error("need --interviews >= 1 and --words >= 50")
    profile = Profiler(set(args.profile))

    work = Path(tempfile.mkdtemp(prefix="kvali-bench-"))
    try:
        if args.keep is not None:
            if args.keep.exists() and any(args.keep.iterdir()):
                ap.error(f"--keep {args.keep}: folder exists and is not empty")
            project_dir = args.keep
        else:
            project_dir = work / "project"
        src = work / "transcripts"
        src.mkdir()

        n, w = args.interviews, args.words
        n_codings = max(1, w // 200)
        log(f"generating {n} interviews × {w} words (seed {args.seed}) in {src}")
        t0 = time.perf_counter()
        gen = Generator(args.seed)
        corpus = [gen.interview(src, i, n, w, n_codings) for i in range(1, n + 1)]
        gen_s = time.perf_counter() - t0
        rss_gen = rss_mb()
        log(
            f"generated in {gen_s:.1f} s; {sum(g.words for g in corpus):,} words, "
            f"{sum(g.turns for g in corpus):,} turns; rss {rss_gen:.0f} MB"
        )

        log("baseline import (bare sqlite3 + FTS5)")
        base_db = work / "baseline.db"
        base_import = baseline_import(base_db, corpus)
        log(f"baseline import {base_import:.2f} s")

        log("kvali import")
        project, sid, t_imp, tids = kvali_import(project_dir, corpus, args.database_url, profile)
        rss_import = rss_mb()
        log(
            f"import {t_imp['import_s']:.1f} s (codings {t_imp['codings_s']:.1f} s); rss {rss_import:.0f} MB"
        )
        verify(project, sid, corpus, tids)

        from kvali.studies.service import stats

        t0 = time.perf_counter()
        with project.begin() as conn:
            st = stats(conn, sid)
        stats_s = time.perf_counter() - t0

        code_names = [c for cats in CODEBOOK.values() for codes in cats.values() for c in codes]
        queries = build_queries(gen, code_names)
        log(f"search: {len(queries)} queries × {args.search_repeats}")
        s_times, per_query = kvali_search(project, sid, queries, args.search_repeats, profile)
        b_times, b_hits = baseline_search(base_db, queries, args.search_repeats)
        mismatches = [
            (label, hits, b_hits[label])
            for _, label, hits in per_query
            if label in b_hits and hits != b_hits[label]
        ]
        rss_search = rss_mb()

        log("reports")
        rep = kvali_reports(project, sid, work / "reports", profile)
        rss_reports = rss_mb()
        db_mb = db_size_mb(project)
        project.close()

        search_median = statistics.median(s_times)
        base_search_median = statistics.median(b_times)
        peak = rss_mb()
        result: dict[str, Any] = {
            "import_s": round(t_imp["import_s"], 2),
            "search_median_ms": round(search_median, 2),
            "reports_s": round(rep["reports_s"], 2),
            "peak_rss_mb": round(peak, 1),
            "search_p95_ms": round(percentile(s_times, 0.95), 2),
            "search_max_ms": round(max(s_times), 2),
            "codings_s": round(t_imp["codings_s"], 2),
            "setup_s": round(t_imp["setup_s"], 2),
            "transcripts_s": round(t_imp["transcripts_s"], 2),
            "codebook_s": round(t_imp["codebook_s"], 3),
            "memos_s": round(t_imp["memos_s"], 3),
            "build_report_s": round(rep["build_report_s"], 2),
            "render_s": {k: round(v, 2) for k, v in rep["render_s"].items()},
            "stats_s": round(stats_s, 2),
            "baseline_import_s": round(base_import, 2),
            "baseline_search_median_ms": round(base_search_median, 3),
            "import_ratio": round(t_imp["import_s"] / base_import, 1),
            "search_ratio": round(search_median / base_search_median, 1),
            "rss_mb_after": {
                "generate": round(rss_gen),
                "import": round(rss_import),
                "search": round(rss_search),
                "reports": round(rss_reports),
            },
            "interviews": n,
            "words": st["words"],
            "turns": st["turns"],
            "codings": st["codings"],
            "codings_attempted": sum(len(g.codings) for g in corpus),
            "db_mb": round(db_mb, 1),
            "report_files_kb": {k: round(v / 1024) for k, v in rep["report_files"].items()},
            "backend": "sqlite" if args.database_url is None else project.engine.dialect.name,
            "seed": args.seed,
            "queries": len(queries),
            "search_hit_mismatches": len(mismatches),
        }
        result["targets"] = {k: result[k] < v for k, v in TARGETS.items()}

        out = sys.stdout
        print(
            f"kvali scale benchmark: {n} interviews × {w} words = {st['words']:,} words, "
            f"{st['turns']:,} turns, {st['codings']:,} codings; db {db_mb:.1f} MB ({result['backend']})",
            file=out,
        )
        print(
            f"  import        {t_imp['import_s']:8.2f} s   (setup {t_imp['setup_s']:.2f}, transcripts "
            f"{t_imp['transcripts_s']:.2f}, codebook {t_imp['codebook_s']:.2f}, memos {t_imp['memos_s']:.2f}, "
            f"codings {t_imp['codings_s']:.2f})",
            file=out,
        )
        print(
            f"  baseline      {base_import:8.2f} s   → import_ratio {result['import_ratio']}×",
            file=out,
        )
        print(
            f"  search        {search_median:8.2f} ms median, {result['search_p95_ms']:.2f} ms p95 "
            f"(baseline {base_search_median:.3f} ms → search_ratio {result['search_ratio']}×)",
            file=out,
        )
        for ms, label, hits in sorted(per_query, reverse=True)[:5]:
            print(f"      slowest   {ms:8.2f} ms  {label!r} ({hits} hits)", file=out)
        for label, a, b in mismatches:
            print(f"      MISMATCH  {label!r}: kvali {a} hits, baseline {b}", file=out)
        print(
            f"  reports       {rep['reports_s']:8.2f} s   (separately: build_report "
            f"{rep['build_report_s']:.2f} s, "
            + ", ".join(f"{k} {v:.2f} s" for k, v in rep["render_s"].items())
            + ")",
            file=out,
        )
        print(f"  stats()       {stats_s:8.2f} s", file=out)
        print(
            f"  peak RSS      {peak:8.1f} MB  (after generate {rss_gen:.0f}, import {rss_import:.0f}, "
            f"search {rss_search:.0f}, reports {rss_reports:.0f})",
            file=out,
        )
        print(
            "  targets       "
            + ", ".join(f"{k} {'PASS' if ok else 'FAIL'}" for k, ok in result["targets"].items()),
            file=out,
        )
        if args.keep is not None:
            print(f"  project kept in {project_dir}", file=out)
        print(json.dumps(result, ensure_ascii=False), file=out, flush=True)
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
