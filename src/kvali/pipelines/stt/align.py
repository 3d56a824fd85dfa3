"""Aligning a recording's machine transcript to a transcript a person already wrote.

The researcher who typed (or received) a transcript and has the recording wants the times, not
a second text: the written words stay exactly as they are, codings included. The machine words
are matched to the written words as sequences of normalised words — exact matches first
(``difflib`` blocks, so a long interview aligns in near-linear time), then near-misses inside
the gaps between them (Whisper's "opptakket" for "opptaket") by a small dynamic programme.
Matched words get the machine word's times (``transcript_words``); turns with matched words
get start and end times; turns without any keep what they had. What was matched, what the
machine heard and with which model is kept in the transcript's provenance and returned, so
the quality is always shown: with robotic or noisy audio many words stay unmatched.
"""

from __future__ import annotations

import difflib
import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.errors import InputError
from kvali.events.service import log_event
from kvali.pipelines.synth import wer
from kvali.pipelines.tables import transcript_words
from kvali.transcripts.service import get_turns, transcript_id_for
from kvali.util import now

_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
FUZZY = 0.6  # similarity from which two different spellings count as the same word
MAX_GAP_CELLS = 250_000  # larger unmatched gaps are left unmatched rather than searched
MIN_CLUSTER = 3  # matches that far from any others are chance hits, not the excerpt


def normalise(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


@dataclass
class RefWord:
    turn: int  # index into the turns
    start_char: int  # transcript offsets
    end_char: int
    norm: str


def reference_words(turns: Sequence[dict[str, Any]]) -> list[RefWord]:
    out = []
    for i, turn in enumerate(turns):
        for m in _TOKEN.finditer(turn["text"]):
            out.append(RefWord(i, turn["start_char"] + m.start(), turn["start_char"] + m.end(),
                               normalise(m.group())))  # fmt: skip
    return out


def _fuzzy(ref: Sequence[str], hyp: Sequence[str]) -> list[tuple[int, int, float]]:
    """Best monotone pairing of two short word lists by summed similarity (≥ FUZZY only)."""
    n, m = len(ref), len(hyp)
    if not n or not m or n * m > MAX_GAP_CELLS:
        return []
    sim = [[difflib.SequenceMatcher(None, a, b).ratio() for b in hyp] for a in ref]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            s = sim[i][j]
            best[i][j] = max(best[i + 1][j], best[i][j + 1],
                             best[i + 1][j + 1] + s if s >= FUZZY else 0.0)  # fmt: skip
    out, i, j = [], 0, 0
    while i < n and j < m:
        s = sim[i][j]
        if s >= FUZZY and best[i][j] == best[i + 1][j + 1] + s:
            out.append((i, j, s))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return out


def align(ref: Sequence[str], hyp: Sequence[str]) -> list[tuple[int, int, float]]:
    """Monotone pairs (reference index, machine index, similarity 1.0 = exact) of two word lists."""
    blocks = difflib.SequenceMatcher(None, ref, hyp, autojunk=False).get_matching_blocks()
    pairs: list[tuple[int, int, float]] = []
    i = j = 0
    for a, b, size in blocks:
        pairs += [(i + x, j + y, s) for x, y, s in _fuzzy(ref[i:a], hyp[j:b])]
        pairs += [(a + k, b + k, 1.0) for k in range(size)]
        i, j = a + size, b + size
    return _clusters(pairs)


def _clusters(pairs: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Drop stray matches: a run of pairs far (in written words) from its neighbours, and
    smaller than MIN_CLUSTER, is a common word matched by chance outside the recording."""
    groups: list[list[tuple[int, int, float]]] = []
    for p in pairs:
        if groups:
            q = groups[-1][-1]
            if p[0] - q[0] <= max(10, 3 * (p[1] - q[1])):
                groups[-1].append(p)
                continue
        groups.append([p])
    return [p for g in groups if len(g) >= MIN_CLUSTER for p in g]


def _turn_times(turns: Sequence[dict[str, Any]], ref: list[RefWord],
                matched: dict[int, dict[str, Any]]) -> dict[int, tuple[int, int, int]]:  # fmt: skip
    """turn index → (start_ms, end_ms, matched words) for turns with matched words; unmatched
    words at a turn's edges are counted at the recording's own pace."""
    if not matched:
        return {}
    idx = sorted(matched)
    by_turn: dict[int, list[int]] = {}
    for k in idx:
        by_turn.setdefault(ref[k].turn, []).append(k)
    steps = [(matched[b]["start_ms"] - matched[a]["start_ms"]) / (b - a)
             for ks in by_turn.values() for a, b in zip(ks, ks[1:], strict=False)]  # fmt: skip
    pace = int(statistics.median(steps)) if steps else 350  # ms per written word
    first_word: dict[int, int] = {}
    last_word: dict[int, int] = {}
    for k, w in enumerate(ref):
        first_word.setdefault(w.turn, k)
        last_word[w.turn] = k
    out: dict[int, tuple[int, int, int]] = {}
    prev_end = 0
    for turn in sorted(by_turn):
        ks = by_turn[turn]
        start = matched[ks[0]]["start_ms"] - (ks[0] - first_word[turn]) * pace
        end = matched[ks[-1]]["end_ms"] + (last_word[turn] - ks[-1]) * pace
        start = max(start, prev_end, 0)
        out[turn] = (start, max(end, start + 1), len(ks))
        prev_end = matched[ks[-1]]["end_ms"]
    # an estimated end never runs into the next timed turn's first matched word
    timed = sorted(out)
    for a, b in zip(timed, timed[1:], strict=False):
        s, e, n = out[a]
        out[a] = (s, max(s + 1, min(e, out[b][0])), n)
    return out


def align_transcription(
    conn: sa.Connection,
    study_id: int,
    interview: str | int,
    segments: Sequence[Any],
    *,
    provenance: dict[str, Any],
    turns: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Give the existing transcript of ``interview`` the times of a machine transcription.

    ``segments`` are the transcriber's segments with word times; ``turns`` = (first, last),
    1-based and inclusive, limits the written turns the recording is known to cover (default:
    all). Returns the quality figures that are also stored under ``provenance["alignment"]``.
    """
    tid = transcript_id_for(conn, study_id, interview)
    all_turns = get_turns(conn, tid)
    lo, hi = (1, len(all_turns)) if turns is None else turns
    if not 1 <= lo <= hi <= len(all_turns):
        raise InputError(
            "turns {lo}–{hi} are outside the transcript's 1–{n_all_turns}",
            lo=lo,
            hi=hi,
            n_all_turns=len(all_turns),
        )
    region = all_turns[lo - 1 : hi]
    ref = reference_words(region)
    hyp = [
        {"start_ms": w.start_ms, "end_ms": w.end_ms, "probability": w.probability,
         "norm": normalise(token)}
        for s in segments for w in s.words for token in _TOKEN.findall(w.text)
    ]  # fmt: skip
    pairs = align([w.norm for w in ref], [h["norm"] for h in hyp])
    matched = {i: hyp[j] for i, j, _ in pairs}
    times = _turn_times(region, ref, matched)
    version = conn.execute(
        sa.select(t.transcripts.c.version, t.transcripts.c.provenance).where(t.transcripts.c.id == tid)
    ).one()  # fmt: skip
    region_ids = [tr["id"] for tr in region]
    w = transcript_words
    conn.execute(w.delete().where(w.c.transcript_id == tid, w.c.turn_id.in_(region_ids)))
    rows = [{"transcript_id": tid, "turn_id": region[ref[i].turn]["id"],
             "start_char": ref[i].start_char, "end_char": ref[i].end_char,
             "start_ms": h["start_ms"], "end_ms": h["end_ms"], "probability": h["probability"],
             "version": version.version} for i, h in sorted(matched.items())]  # fmt: skip
    if rows:
        conn.execute(w.insert(), rows)
    for k, (start, end, _n) in times.items():
        conn.execute(t.turns.update().where(t.turns.c.id == region[k]["id"])
                     .values(start_ms=start, end_ms=end))  # fmt: skip
    machine_text = " ".join(s.text for s in segments).strip()
    exact = sum(1 for *_, s in pairs if s == 1.0)
    quality = {
        "turns": [lo, hi],
        "turns_timed": len(times),
        "turns_in_range": len(region),
        "reference_words": len(ref),
        "machine_words": len(hyp),
        "matched_words": len(pairs),
        "exact_matches": exact,
        "near_matches": len(pairs) - exact,
        "coverage": round(len(pairs) / len(ref), 3) if ref else 0.0,
        "wer": round(wer(" ".join(tr["text"] for tr in region), machine_text), 3),
        "turn_times": {str(lo + k): [s, e, n] for k, (s, e, n) in sorted(times.items())},
    }
    record = {**quality, "machine_text": machine_text, "aligned_at": now().isoformat(),
              "transcription": provenance}  # fmt: skip
    conn.execute(t.transcripts.update().where(t.transcripts.c.id == tid).values(
        provenance={**(version.provenance or {}), "alignment": record}, updated_at=now()))  # fmt: skip
    log_event(conn, study_id=study_id, action="align", entity="transcript", entity_id=tid,
              payload={k: quality[k] for k in ("turns", "turns_timed", "matched_words",
                                               "reference_words", "coverage")})  # fmt: skip
    return quality


def alignment_of(conn: sa.Connection, study_id: int, interview: str | int) -> dict[str, Any] | None:
    """What the last alignment of the interview's transcript recorded, or None."""
    tid = transcript_id_for(conn, study_id, interview)
    prov = conn.execute(
        sa.select(t.transcripts.c.provenance).where(t.transcripts.c.id == tid)
    ).scalar()
    return (prov or {}).get("alignment")
