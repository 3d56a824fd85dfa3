"""Talk statistics per interview and across interview modes (DOMAIN step 5).

The thesis' authors noticed by hand that their fully digital (Teams) interviews had far fewer
interviewer backchannels («ja», «nettopp», «ok», «mm») than the in-person one. This counts,
from the turns of any transcript — transcribed or imported, as long as it has timestamps —
speaking time, words and turns per speaker, and backchannels per minute, and compares modes.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t

# A turn counts as a backchannel when its whole text is one of these phrases, or is made only
# of their one-word items (at most four words: «ja, ja», «mm, ok»). Configurable per language.
BACKCHANNELS: dict[str, list[str]] = {
    "nb": [
        "ja",
        "jo",
        "ja vel",
        "javel",
        "nettopp",
        "ok",
        "okei",
        "mm",
        "mhm",
        "hm",
        "akkurat",
        "riktig",
        "stemmer",
        "skjønner",
        "å ja",
        "ja sånn er det",
        "sånn er det",
        "ja det er klart",
    ],
    "nn": ["ja", "jo", "nettopp", "ok", "okei", "mm", "mhm", "akkurat", "riktig", "ja slik er det"],
    "en": [
        "yes",
        "yeah",
        "yep",
        "right",
        "okay",
        "ok",
        "mm",
        "mhm",
        "uh-huh",
        "i see",
        "exactly",
        "sure",
        "true",
        "that's right",
        "of course",
    ],
}
_LANG = {"no": "nb", "nob": "nb", "nno": "nn", "eng": "en"}
WORDS_PER_SECOND = 2.5  # to estimate the last turn's length when only start times are known
_WORD = re.compile(r"[\w'-]+")


def load_backchannels(project_path: Path) -> dict[str, list[str]]:
    """Defaults, overridden per language by ``[talk_statistics.backchannels]`` in kvali.toml."""
    lists = {k: list(v) for k, v in BACKCHANNELS.items()}
    cfg = project_path / "kvali.toml"
    if cfg.is_file():
        data = tomllib.loads(cfg.read_text(encoding="utf-8"))
        for lang, words in (data.get("talk_statistics", {}).get("backchannels") or {}).items():
            lists[lang] = [str(w) for w in words]
    return lists


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class BackchannelMatcher:
    def __init__(self, phrases: list[str]) -> None:
        self.phrases = {" ".join(_tokens(p)) for p in phrases}
        self.single = {p for p in self.phrases if " " not in p}

    def __call__(self, text: str) -> str | None:
        return self.of_tokens(_tokens(text))

    def of_tokens(self, toks: list[str]) -> str | None:
        """The backchannel a turn of these words (:func:`_tokens`) is, if it is one."""
        if not toks:
            return None
        joined = " ".join(toks)
        if joined in self.phrases:
            return joined
        if len(toks) <= 4 and all(tok in self.single for tok in toks):
            return joined
        return None


def _durations(turns: list[dict[str, Any]]) -> list[int | None]:
    out: list[int | None] = []
    for i, tr in enumerate(turns):
        s, e = tr["start_ms"], tr["end_ms"]
        if s is None:
            out.append(None)
        elif e is not None and e >= s:
            out.append(e - s)
        elif i + 1 < len(turns) and turns[i + 1]["start_ms"] is not None:
            out.append(max(0, turns[i + 1]["start_ms"] - s))
        else:
            out.append(int(len(_tokens(tr["text"])) / WORDS_PER_SECOND * 1000))
    return out


def interview_stats(turns: list[dict[str, Any]], matcher: BackchannelMatcher) -> dict[str, Any]:
    """Statistics of one transcript's turns (dicts with speaker, role, start/end ms, text)."""
    durs = _durations(turns)
    timed = bool(turns) and all(d is not None for d in durs)
    ends = [
        (tr["start_ms"] or 0) + (d or 0) for tr, d in zip(turns, durs, strict=True) if d is not None
    ]
    duration_ms = max(ends) if timed and ends else None
    speakers: dict[str, dict[str, Any]] = {}
    roles: dict[str, dict[str, Any]] = {}
    examples: Counter[str] = Counter()
    for tr, d in zip(turns, durs, strict=True):
        toks = _tokens(tr["text"])  # once per turn: the word count and the backchannel test
        words = len(toks)
        bc = matcher.of_tokens(toks)
        for key, table in ((tr["speaker"], speakers), (tr["role"], roles)):
            row = table.setdefault(
                key,
                {"role": tr["role"], "turns": 0, "words": 0, "speaking_ms": 0, "backchannels": 0},
            )
            row["turns"] += 1
            row["words"] += words
            row["speaking_ms"] += d or 0
            row["backchannels"] += bool(bc)
        if bc and tr["role"] == "interviewer":
            examples[bc] += 1
    minutes = duration_ms / 60000 if duration_ms else None
    total_ms = sum(r["speaking_ms"] for r in speakers.values()) or None
    for table in (speakers, roles):
        for row in table.values():
            row["share"] = round(row["speaking_ms"] / total_ms, 3) if timed and total_ms else None
            row["backchannels_per_min"] = (
                round(row["backchannels"] / minutes, 2) if minutes else None
            )
            if not timed:
                row["speaking_ms"] = None
    iv = roles.get("interviewer", {})
    return {
        "timed": timed,
        "duration_ms": duration_ms,
        "turns": len(turns),
        "words": sum(r["words"] for r in speakers.values()),
        "speakers": [{"speaker": k, **v} for k, v in speakers.items()],
        "roles": roles,
        "interviewer_backchannels": iv.get("backchannels", 0),
        "interviewer_backchannels_per_min": iv.get("backchannels_per_min"),
        "interviewer_share": iv.get("share"),
        "turns_per_min": round(len(turns) / minutes, 2) if minutes else None,
        "backchannel_examples": dict(examples.most_common(8)),
    }


def talk_statistics(
    conn: sa.Connection,
    study_id: int,
    *,
    backchannels: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Per-interview statistics and the comparison across modes (in_person, hybrid, digital).

    Synthesised recordings (the demo's) are listed but left out of the mode comparison."""
    lists = backchannels or BACKCHANNELS
    study_lang = conn.execute(
        sa.select(t.studies.c.language).where(t.studies.c.id == study_id)
    ).scalar()
    i, tr = t.interviews, t.transcripts
    rows = (
        conn.execute(
            sa.select(
                i.c.id, i.c.label, i.c.mode, tr.c.id.label("tid"), tr.c.language, tr.c.provenance
            )
            .join(tr, tr.c.interview_id == i.c.id)
            .where(i.c.study_id == study_id)
            .order_by(i.c.date.is_(None), i.c.date, i.c.id)
        )
        .mappings()
        .all()
    )
    interviews = []
    for r in rows:
        lang = (r["language"] or study_lang or "nb").lower().split("-")[0]
        lang = _LANG.get(lang, lang)
        matcher = BackchannelMatcher(lists.get(lang) or lists.get("nb") or [])
        turns = [
            dict(x)
            for x in conn.execute(
                sa.select(
                    t.turns.c.speaker,
                    t.turns.c.role,
                    t.turns.c.start_ms,
                    t.turns.c.end_ms,
                    t.turns.c.text,
                )
                .where(t.turns.c.transcript_id == r["tid"])
                .order_by(t.turns.c.position)
            ).mappings()
        ]
        synthetic = bool((r["provenance"] or {}).get("synthetic"))
        interviews.append(
            {"interview": r["label"], "mode": r["mode"], "language": lang, "synthetic": synthetic}
            | interview_stats(turns, matcher)
        )
    return {"interviews": interviews, "modes": compare_modes(interviews), "backchannels": lists}


def compare_modes(interviews: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pooled per mode: backchannels per minute, interviewer share of speaking time, turns/min."""
    out = []
    for mode in ("in_person", "hybrid", "digital"):
        group = [x for x in interviews if x["mode"] == mode and x["timed"] and not x["synthetic"]]
        if not group:
            continue
        minutes = sum(x["duration_ms"] for x in group) / 60000
        iv_ms = sum(x["roles"].get("interviewer", {}).get("speaking_ms") or 0 for x in group)
        all_ms = sum(sum(s["speaking_ms"] or 0 for s in x["speakers"]) for x in group)
        out.append(
            {
                "mode": mode,
                "interviews": len(group),
                "minutes": round(minutes, 1),
                "turns_per_min": round(sum(x["turns"] for x in group) / minutes, 2),
                "interviewer_backchannels": sum(x["interviewer_backchannels"] for x in group),
                "interviewer_backchannels_per_min": round(
                    sum(x["interviewer_backchannels"] for x in group) / minutes, 2
                ),
                "interviewer_share": round(iv_ms / all_ms, 3) if all_ms else None,
            }
        )
    return out


def report_section(
    conn: sa.Connection, study_id: int, project_path: Path | None = None
) -> dict[str, Any]:
    """For ``StudyReport.extra["talk_statistics"]``: JSON-ready, no transcript text beyond the
    backchannel words themselves."""
    lists = load_backchannels(project_path) if project_path else None
    data = talk_statistics(conn, study_id, backchannels=lists)
    data.pop("backchannels")
    return data
