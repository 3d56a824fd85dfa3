"""Build the thesis' three tables (Figures 2–4) from the database as plain data.

One pass over each table keeps this fast at hundreds of interviews: codings, turns and codes
are read once and grouped in memory.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import sqlalchemy as sa

from kvali.codes.service import ancestors
from kvali.codings.cycles import current_cycle_id, cycle_id_by_number, cycle_number
from kvali.codings.visible import only_visible
from kvali.db import schema as t
from kvali.reports.model import (
    AnalysisModel,
    CategoryFinding,
    CodeFrequency,
    Condensation,
    Quote,
    RecurringCode,
    RecurringWord,
    StudyReport,
    ThemeCell,
    ThemeMatrix,
    ThemeRow,
)
from kvali.reports.stopwords import STOPWORDS
from kvali.studies.service import get_study, list_research_questions
from kvali.transcripts.offsets import SEP
from kvali.util import now

_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
MAX_QUOTE = 600


class _Interview:
    def __init__(self, row: dict[str, Any]):
        self.id = row["id"]
        self.label = row["label"]
        self.mode = row["mode"]
        self.date = row["date"].isoformat() if row["date"] else None
        self.transcript_id = row["transcript_id"]
        self.participants: list[str] = []
        self.turns: list[tuple[int, int, int | None, str, str]] = []  # start, end, ms, role, text
        self.codings: list[dict[str, Any]] = []
        self.text = ""


def _load(
    conn: sa.Connection, study_id: int, cycle_id: int | None, viewer: str | None = None
) -> tuple[list[_Interview], dict[int, dict[str, Any]]]:
    iv, tr = t.interviews, t.transcripts
    interviews = [
        _Interview(dict(r))
        for r in conn.execute(
            sa.select(iv.c.id, iv.c.label, iv.c.mode, iv.c.date, tr.c.id.label("transcript_id"))
            .select_from(iv.outerjoin(tr, tr.c.interview_id == iv.c.id))
            .where(iv.c.study_id == study_id)
            .order_by(iv.c.date.is_(None), iv.c.date, iv.c.id)
        ).mappings()
    ]
    by_tr = {i.transcript_id: i for i in interviews if i.transcript_id is not None}
    by_iv = {i.id: i for i in interviews}
    for iid, code in conn.execute(
        sa.select(t.interview_participants.c.interview_id, t.participants.c.code)
        .join(t.participants, t.participants.c.id == t.interview_participants.c.participant_id)
        .join(iv, iv.c.id == t.interview_participants.c.interview_id)
        .where(iv.c.study_id == study_id)
        .order_by(t.participants.c.code)
    ):
        by_iv[iid].participants.append(code)
    tu = t.turns
    for r in conn.execute(
        sa.select(
            tu.c.transcript_id, tu.c.start_char, tu.c.end_char, tu.c.start_ms, tu.c.role, tu.c.text
        )
        .join(tr, tr.c.id == tu.c.transcript_id)
        .join(iv, iv.c.id == tr.c.interview_id)
        .where(iv.c.study_id == study_id)
        .order_by(tu.c.transcript_id, tu.c.position)
    ):
        by_tr[r.transcript_id].turns.append((r.start_char, r.end_char, r.start_ms, r.role, r.text))
    for i in interviews:
        i.text = SEP.join(x[4] for x in i.turns)
    codes = {
        r["id"]: dict(r)
        for r in conn.execute(sa.select(t.codes).where(t.codes.c.study_id == study_id)).mappings()
    }
    if cycle_id is not None:
        c = t.codings
        q = (
            sa.select(
                c.c.id, c.c.transcript_id, c.c.code_id, c.c.start_char, c.c.end_char, c.c.is_gold
            )
            .where(c.c.cycle_id == cycle_id, c.c.removed_at.is_(None))
            .order_by(c.c.transcript_id, c.c.start_char, c.c.id)
        )
        for r in conn.execute(only_visible(conn, study_id, q, viewer)).mappings():
            if r["transcript_id"] in by_tr:
                by_tr[r["transcript_id"]].codings.append(dict(r))
    return interviews, codes


def _start_ms(interview: _Interview, pos: int) -> int | None:
    lo, hi = 0, len(interview.turns) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        s, e, ms, _, _ = interview.turns[mid]
        if pos < s:
            hi = mid - 1
        elif pos > e:
            lo = mid + 1
        else:
            return ms
    return None


def _quotes(
    interview: _Interview, codings: list[dict[str, Any]], codes: dict[int, dict[str, Any]]
) -> list[tuple[Quote, set[int]]]:
    """One quote per distinct span, listing every code on it (and their ids)."""
    spans: dict[tuple[int, int], Quote] = {}
    ids: dict[tuple[int, int], set[int]] = defaultdict(set)
    for c in codings:
        key = (c["start_char"], c["end_char"])
        q = spans.get(key)
        if q is None:
            text = interview.text[key[0] : key[1]]
            if len(text) > MAX_QUOTE:
                text = text[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"
            q = spans[key] = Quote(
                interview=interview.label,
                participant=", ".join(interview.participants) or None,
                text=text,
                codes=[],
                start_char=key[0],
                end_char=key[1],
                start_ms=_start_ms(interview, key[0]),
                gold=False,
            )
        name = codes[c["code_id"]]["name"]
        if name not in q.codes:
            q.codes.append(name)
        ids[key].add(c["code_id"])
        q.gold = q.gold or bool(c["is_gold"])
    return [(q, ids[key]) for key, q in spans.items()]


def _strongest(quotes: list[Quote]) -> Quote | None:
    """Gold first, then the fullest passage (capped, so a whole page does not win)."""
    if not quotes:
        return None
    return max(quotes, key=lambda q: (q.gold, min(len(q.text), 400), -q.start_char))


def build_report(
    conn: sa.Connection,
    study_id: int,
    *,
    cycle: int | None = None,
    top_words: int = 12,
    viewer: str | None = None,
) -> StudyReport:
    """The study's report from the codings ``viewer`` may see (``codings.visible``)."""
    cycle_id = (
        cycle_id_by_number(conn, study_id, cycle)
        if cycle
        else current_cycle_id(conn, study_id, create=False)
    )
    study = get_study(conn, study_id)
    interviews, codes = _load(conn, study_id, cycle_id, viewer)
    lineage = {cid: ancestors(codes, cid) for cid in codes}
    memo_rows = conn.execute(
        sa.select(t.memos.c.target_type, t.memos.c.target_id, t.memos.c.kind, t.memos.c.text)
        .where(t.memos.c.study_id == study_id)
        .order_by(t.memos.c.id)
    ).all()
    findings: dict[int, list[str]] = defaultdict(list)
    condensed: dict[int, list[str]] = defaultdict(list)
    for m in memo_rows:
        if m.target_type == "interview" and m.kind == "analytic":
            findings[m.target_id].append(m.text)
        elif m.target_type == "research_question":
            condensed[m.target_id].append(m.text)

    themes = [c for c in codes.values() if c["level"] == "theme" and c["status"] == "active"]
    if not themes:
        themes = [c for c in codes.values() if c["parent_id"] is None and c["status"] == "active"]
    themes.sort(key=lambda c: (c["position"], c["id"]))
    theme_of = {cid: (lineage[cid]["theme"] or _root_name(codes, cid)) for cid in codes}

    models: list[AnalysisModel] = []
    theme_counts: dict[tuple[str, str], int] = Counter()
    theme_quotes: dict[tuple[str, str], list[Quote]] = defaultdict(list)
    freq: dict[str, Counter[str]] = defaultdict(Counter)
    all_quotes: list[tuple[Quote, set[str]]] = []
    for iv in interviews:
        tagged = _quotes(iv, iv.codings, codes)
        quotes = [q for q, _ in tagged]
        for q, cids in tagged:
            q_themes = {theme_of[cid] for cid in cids}
            all_quotes.append((q, q_themes | set(q.codes)))
            for name in q_themes:
                theme_quotes[(name, iv.label)].append(q)
        per_code = Counter(c["code_id"] for c in iv.codings)
        for cid, n in per_code.items():
            freq[codes[cid]["name"]][iv.label] += n
        recurring = [
            RecurringCode(
                code=codes[cid]["name"],
                category=lineage[cid]["category"],
                theme=lineage[cid]["theme"],
                count=n,
            )
            for cid, n in per_code.most_common()
            if n >= 2
        ]
        # One pass of the regular expression over the participants' turns (no word spans a
        # turn break), then the stopwords out: the same counts in the same first-seen order.
        said = SEP.join(text for _s, _e, _ms, role, text in iv.turns if role == "participant")
        words = Counter(_WORD.findall(said.lower()))
        for w in STOPWORDS & words.keys():
            del words[w]
        cats: dict[str, CategoryFinding] = {}
        for cid, n in per_code.most_common():
            lin = lineage[cid]
            cat = lin["category"] or lin["theme"] or codes[cid]["name"]
            f = cats.setdefault(cat, CategoryFinding(category=cat, theme=lin["theme"], count=0))
            f.count += n
            f.codes.append(
                RecurringCode(
                    code=codes[cid]["name"], category=lin["category"], theme=lin["theme"], count=n
                )
            )
        for c in iv.codings:
            theme_counts[(theme_of[c["code_id"]], iv.label)] += 1
        models.append(
            AnalysisModel(
                interview=iv.label,
                participants=iv.participants,
                mode=iv.mode,
                date=iv.date,
                gold_quotes=[q for q in quotes if q.gold],
                recurring_codes=recurring,
                recurring_words=[
                    RecurringWord(w, n) for w, n in words.most_common(top_words) if n >= 3
                ],
                categories=sorted(cats.values(), key=lambda f: -f.count),
                findings=findings.get(iv.id, []),
            )
        )

    labels = [iv.label for iv in interviews]
    rows = []
    for th in themes:
        cells = [
            ThemeCell(
                count=theme_counts[(th["name"], lab)],
                quote=_strongest(theme_quotes[(th["name"], lab)]),
            )
            for lab in labels
        ]
        rows.append(ThemeRow(theme=th["name"], cells=cells, total=sum(c.count for c in cells)))
    code_names = sorted(freq, key=lambda n: (-sum(freq[n].values()), n))

    rqs = list_research_questions(conn, study_id)
    condensations = []
    for rq in rqs:
        linked = set(rq["themes"])
        quotes = _balanced([q for q, names in all_quotes if linked & names], limit=10)
        condensations.append(
            Condensation(
                position=rq["position"],
                question=rq["text"],
                themes=rq["themes"],
                condensed_meaning="\n\n".join(condensed.get(rq["id"], [])),
                quotes=quotes[:10],
            )
        )
    return StudyReport(
        title=study["title"],
        problem_statement=study["problem_statement"],
        language=study["language"],
        generated_at=now().isoformat(timespec="seconds"),
        cycle=cycle_number(conn, cycle_id) if cycle_id is not None else 0,
        research_questions=[rq["text"] for rq in rqs],
        analysis_models=models,
        theme_matrix=ThemeMatrix(interviews=labels, rows=rows),
        code_frequency=CodeFrequency(
            interviews=labels,
            codes=code_names,
            counts=[[freq[n][lab] for lab in labels] for n in code_names],
        ),
        condensations=condensations,
    )


def _balanced(quotes: list[Quote], *, limit: int) -> list[Quote]:
    """Take quotes round-robin across interviews, gold and fuller passages first, so one
    talkative interview does not crowd out the others."""
    by_interview: dict[str, list[Quote]] = defaultdict(list)
    for q in sorted(quotes, key=lambda q: (not q.gold, -min(len(q.text), 400), q.start_char)):
        by_interview[q.interview].append(q)
    picked: list[Quote] = []
    while len(picked) < limit and any(by_interview.values()):
        for queue in by_interview.values():
            if queue and len(picked) < limit:
                picked.append(queue.pop(0))
    return sorted(picked, key=lambda q: (list(by_interview).index(q.interview), q.start_char))


def _root_name(codes: dict[int, dict[str, Any]], cid: int) -> str:
    node, seen = codes[cid], 0
    while node["parent_id"] in codes and seen < 50:
        node, seen = codes[node["parent_id"]], seen + 1
    return node["name"]
