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
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scale_corpus import (
    CODEBOOK,
    FRAMEWORK,
    FRAMEWORK_LINK,
    FUNCTION_WORDS,
    GUIDE,
    RESEARCH_QUESTIONS,
    Generator,
    GenInterview,
)

# Targets from the issue, for N=500, W=8000 on the 2-core reference machine.
TARGETS = {"import_s": 60.0, "search_median_ms": 20.0, "reports_s": 10.0, "peak_rss_mb": 1536.0}

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


class Phases:
    """Wall-clock and CPU seconds per named phase.

    CPU time (``time.process_time``) is what the CI guard judges: other jobs on a shared machine
    stretch the wall clock of this process but barely its own CPU time. On PostgreSQL the
    server's work is not in this process's CPU time, so there the wall clock is the measure.
    """

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - w0, time.process_time() - c0)

    def add(self, name: str, wall: float, cpu: float) -> None:
        self.wall[name] = self.wall.get(name, 0.0) + wall
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu

    def to_dict(self) -> dict[str, dict[str, float]]:
        return {k: {"s": round(self.wall[k], 4), "cpu_s": round(self.cpu[k], 4)} for k in self.wall}


def plant_quadratic(section: str, n: int) -> None:
    """Make one report section O(N²): its own work done once more for every 25 interviews, the
    regression the CI guard must catch (``bench/guard.py`` proves it does with this). Scaling
    the section's real work (rather than a fixed loop) keeps the plant quadratic whatever the
    words per interview."""
    from kvali.reports import sections

    original = sections.BUILDERS[section]

    def slowed(*args: Any) -> Any:
        for _ in range(max(1, n // 25)):
            original(*args)
        return original(*args)

    sections.BUILDERS[section] = slowed


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


def _num(x: float, digits: int) -> float | None:
    """Rounded, or None (JSON null) for a baseline that was not measured."""
    return None if x != x else round(x, digits)


def percentile(values: list[float], p: float) -> float:
    v = sorted(values)
    k = (len(v) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


# --------------------------------------------------------------------------------------------
# kvali phases
# --------------------------------------------------------------------------------------------


def kvali_import(
    project_dir: Path,
    corpus: list[GenInterview],
    database_url: str | None,
    profile: Profiler,
    phases: Phases,
) -> tuple[Any, int, dict[str, float], list[int]]:
    from kvali.analysis.frameworks import add_framework, link_codes
    from kvali.codes.service import create_code
    from kvali.codings.service import add_codings
    from kvali.guides.service import replace_guide
    from kvali.interviews.service import add_interview
    from kvali.memos.service import add_memo
    from kvali.participants.service import add_participant
    from kvali.project import Project
    from kvali.studies.service import add_research_question, create_study, link_theme
    from kvali.transcripts.service import import_transcript

    t: dict[str, float] = {}
    n = len(corpus)
    c_start = time.process_time()
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

        t1, c1 = time.perf_counter(), time.process_time()
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
        phases.add("import.transcripts", t["transcripts_s"], time.process_time() - c1)

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
            replace_guide(conn, sid, GUIDE)
            fid = add_framework(conn, sid, key=FRAMEWORK, language="nb")
            link_codes(conn, sid, framework=fid, item=FRAMEWORK_LINK[0], codes=[FRAMEWORK_LINK[1]])
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
        t4, c4 = time.perf_counter(), time.process_time()
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
        phases.add("import.codings", t["codings_s"], time.process_time() - c4)
    t["import_s"] = time.perf_counter() - t0
    phases.add("import", t["import_s"], time.process_time() - c_start)
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
    phases: Phases,
) -> tuple[list[float], list[tuple[float, str, int]]]:
    from kvali.search.service import search

    def run(q: str, kw: dict[str, Any]) -> int:
        with project.begin() as conn:
            return len(search(conn, sid, q, limit=50, **kw))

    for q, kw in queries:  # warm
        run(q, kw)
    times: list[float] = []
    per_query: list[tuple[float, str, int]] = []
    with profile("search"), phases("search"):
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


def kvali_reports(
    project: Any, sid: int, out: Path, profile: Profiler, phases: Phases
) -> dict[str, Any]:
    import inspect

    from kvali.reports.build import build_report
    from kvali.reports.render import (
        render_html,
        render_json,
        render_markdown,
        write_csv,
        write_docx,
        write_xlsx,
    )
    from kvali.reports.sections import collect_sections
    from kvali.reports.service import write_study_reports

    r: dict[str, Any] = {}
    with profile("reports"), phases("reports"):
        t0 = time.perf_counter()
        files = write_study_reports(project, lang="nb", out_dir=out / "all")
        r["reports_s"] = time.perf_counter() - t0
    r["report_files"] = {p.name: p.stat().st_size for p in files}

    # The same work again, one part at a time: the core tables (one pass), each feature
    # section, and each renderer of the full report (sections included).
    with project.begin() as conn:
        with phases("report.core"):
            t0 = time.perf_counter()
            report = build_report(conn, sid)
            r["build_report_s"] = time.perf_counter() - t0
        if "timings" in inspect.signature(collect_sections).parameters:
            timings: dict[str, tuple[float, float]] = {}
            report.sections = collect_sections(conn, sid, project.path, "nb", timings=timings)
            for key, (wall, cpu) in timings.items():
                phases.add(f"section.{key}", wall, cpu)
        else:  # an older kvali: all sections at once
            with phases("section.all"):
                report.sections = collect_sections(conn, sid, project.path, "nb")
    r["sections_s"] = {
        k.split(".", 1)[1]: round(v, 3) for k, v in phases.wall.items() if k.startswith("section.")
    }
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
        with phases(f"render.{fmt}"):
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
    ap.add_argument(
        "--skip-baseline",
        action="store_true",
        help="do not measure the bare-SQLite baseline (the CI guard compares sizes instead)",
    )
    ap.add_argument(
        "--analyze",
        action="store_true",
        help="PostgreSQL: run ANALYZE after the bulk import (counted in import_s)",
    )
    ap.add_argument(
        "--plant",
        metavar="SECTION",
        default=None,
        help="plant an O(N²) slowdown in this report section (to prove the CI guard can fail)",
    )
    args = ap.parse_args(argv)
    if args.interviews < 1 or args.words < 50:
        ap.error("need --interviews >= 1 and --words >= 50")
    profile = Profiler(set(args.profile))
    phases = Phases()
    if args.plant:
        plant_quadratic(args.plant, args.interviews)

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

        base_db = work / "baseline.db"
        base_import = float("nan")
        if not args.skip_baseline:
            log("baseline import (bare sqlite3 + FTS5)")
            base_import = baseline_import(base_db, corpus)
            log(f"baseline import {base_import:.2f} s")

        log("kvali import")
        project, sid, t_imp, tids = kvali_import(
            project_dir, corpus, args.database_url, profile, phases
        )
        if args.analyze and project.engine.dialect.name == "postgresql":
            t0 = time.perf_counter()
            with project.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            t_imp["analyze_s"] = time.perf_counter() - t0
            t_imp["import_s"] += t_imp["analyze_s"]
            log(f"ANALYZE {t_imp['analyze_s']:.2f} s (counted in the import)")
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
        s_times, per_query = kvali_search(
            project, sid, queries, args.search_repeats, profile, phases
        )
        b_times, b_hits = [float("nan")], {}
        if not args.skip_baseline:
            b_times, b_hits = baseline_search(base_db, queries, args.search_repeats)
        mismatches = [
            (label, hits, b_hits[label])
            for _, label, hits in per_query
            if label in b_hits and hits != b_hits[label]
        ]
        rss_search = rss_mb()

        log("reports")
        rep = kvali_reports(project, sid, work / "reports", profile, phases)
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
            "analyze_s": _num(t_imp.get("analyze_s", float("nan")), 2),
            "build_report_s": round(rep["build_report_s"], 2),
            "render_s": {k: round(v, 2) for k, v in rep["render_s"].items()},
            "sections_s": rep["sections_s"],
            "stats_s": round(stats_s, 2),
            "baseline_import_s": _num(base_import, 2),
            "baseline_search_median_ms": _num(base_search_median, 3),
            "import_ratio": _num(t_imp["import_s"] / base_import, 1),
            "search_ratio": _num(search_median / base_search_median, 1),
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
            "planted": args.plant,
            "phases": phases.to_dict(),
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
        print(
            "  sections      " + ", ".join(f"{k} {v:.2f} s" for k, v in rep["sections_s"].items()),
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
