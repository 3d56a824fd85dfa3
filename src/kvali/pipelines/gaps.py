"""Gaps: speech the recogniser could not turn into text it trusts, kept visible in the transcript.

Whisper can drop a stretch of speech without a word: a 30-second window it judges to be
silence, a hallucinated loop that fails its own checks. That may not happen silently. The
voice-activity detector says where someone speaks; every stretch of speech of at least
``MIN_GAP_MS`` that no recognised word covers becomes a **gap**: a timed marker in the turn
text, «[unclear 00:00:03–00:00:21]», that the researcher sees in the transcript, can play and
can type over. A segment whose text loops («å bygne med å bygne med …») is left out and its
stretch is a gap too; the gap counts its words, not their text (which pseudonymization would
never see). Unsure words stay in the text with their probabilities (``transcript_words``):
a word may be wrong and still be the best start for the researcher's correction.

Gaps are stored like word timestamps (:mod:`kvali.pipelines.words`): spans of the transcript
text at a version, carried through later edits. A gap whose marker the researcher typed over
stays on record with its times, no longer ``open``, its span now holding what they wrote; one
whose text was deleted (with its turn, on withdrawal) is gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.i18n import in_lang
from kvali.pipelines.tables import transcript_gaps
from kvali.util import format_ms

if TYPE_CHECKING:
    import numpy as np

    from kvali.pipelines.stt.transcriber import Segment

PAD_MS = 400  # a word covers this much speech on each side (word times are rough)
MIN_GAP_MS = 1000  # shorter stretches are breaths, word-time jitter and clipped syllables
JOIN_MS = 1000  # two stretches this close, with no word between them, are one gap
UNSURE = 0.5  # a run of words below this share of the recording's median probability …
UNSURE_MS = 1500  # … lasting this long (and at least UNSURE_WORDS words) is marked unclear
UNSURE_WORDS = 3
MAX_COMPRESSION = 2.4  # text that zlib shrinks more than this is a loop («å bygne med å bygne …»)
MIN_LOOP_CHARS = 60  # shorter text compresses too little to tell


@dataclass(frozen=True)
class Gap:
    start_ms: int
    end_ms: int
    reason: str  # "no_text" | "repetition" (a looping segment left out) | "low_confidence"
    dropped_words: int = 0
    words: tuple[Any, ...] = ()  # low_confidence: the unsure words, kept inside the marker

    def to_dict(self) -> dict[str, Any]:
        out = {
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "reason": self.reason,
            "dropped_words": self.dropped_words,
        }
        if self.words:
            out["words"] = [asdict(w) for w in self.words]
        return out

    def summary(self) -> dict[str, Any]:
        """What a report or script needs (no text)."""
        return {k: v for k, v in self.to_dict().items() if k != "words"} | {
            "unsure_words": len(self.words)
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Gap:
        from kvali.pipelines.stt.transcriber import Word

        words = tuple(Word(**w) for w in d.get("words") or ())
        return cls(d["start_ms"], d["end_ms"], d["reason"], d.get("dropped_words", 0), words)


def marker(gap: Gap, language: str) -> str:
    """The text that stands for the gap in the transcript, in the transcript's language; an
    unsure run keeps its words inside the brackets (nothing lost, nothing passed off as sure)."""
    lang = "nb" if language in ("nb", "nn", "no") else "en"
    start, end = format_ms(gap.start_ms), format_ms(gap.end_ms)
    if gap.words:
        words = " ".join(w.text for w in gap.words)
        return in_lang(lang, "[unclear {start}–{end}: {words}]", start=start, end=end, words=words)
    return in_lang(lang, "[unclear {start}–{end}]", start=start, end=end)


def speech_regions(
    samples: np.ndarray, vad_parameters: dict[str, Any], *, offset_ms: int = 0
) -> list[tuple[int, int]]:
    """Where the voice-activity detector (Silero, faster-whisper's own, same parameters as the
    decoding) hears speech, in ms from the start of the recording."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    stamps = get_speech_timestamps(samples, VadOptions(**vad_parameters))
    return [(offset_ms + round(s["start"] / 16), offset_ms + round(s["end"] / 16)) for s in stamps]


def looping(text: str) -> bool:
    """Whisper's own hallucination check, applied to what comes out: a segment whose text
    repeats itself (zlib compression ratio above 2.4) is a decoding loop, not speech."""
    import zlib

    raw = text.encode("utf-8")
    return len(text) >= MIN_LOOP_CHARS and len(raw) / len(zlib.compress(raw)) > MAX_COMPRESSION


def _subtract(
    regions: Sequence[tuple[int, int]], covered: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """``regions`` minus the union of ``covered`` (both lists of [start, end) in ms)."""
    out = []
    cover = sorted(covered)
    for start, end in regions:
        pos = start
        for a, b in cover:
            if b <= pos:
                continue
            if a >= end:
                break
            if a > pos:
                out.append((pos, a))
            pos = max(pos, b)
            if pos >= end:
                break
        if pos < end:
            out.append((pos, end))
    return out


def find_gaps(
    speech: Sequence[tuple[int, int]], segments: Sequence[Segment]
) -> tuple[list[Segment], list[Gap]]:
    """The recognised segments, and the stretches of speech no recognised word covers.

    Every word counts as covering its time, however unsure (its probability is stored and
    shown; a wrong word is the researcher's to correct, a missing stretch would be invisible).
    Segments whose text loops are left out, their stretch becomes a gap."""
    kept: list[Segment] = []
    loops: list[tuple[int, int, int]] = []
    for s in segments:
        if looping(s.text):
            loops.append((s.start_ms, s.end_ms, len(s.words) or len(s.text.split())))
        else:
            kept.append(s)
    covered: list[tuple[int, int]] = []
    for s in kept:
        if s.words:
            covered += [(w.start_ms - PAD_MS, w.end_ms + PAD_MS) for w in s.words]
        else:  # text without word times: the segment as a whole
            covered.append((s.start_ms - PAD_MS, s.end_ms + PAD_MS))
    kept, unsure = _unsure_runs(kept)
    for g in unsure:
        covered.append((g.start_ms - PAD_MS, g.end_ms + PAD_MS))
    heard = sorted([*speech, *((a, b) for a, b, _ in loops)])
    stretches = _subtract(_union(heard), covered)
    words = sorted((a + PAD_MS, b - PAD_MS) for a, b in covered)
    merged: list[list[int]] = []
    for a, b in stretches:
        if (
            merged
            and a - merged[-1][1] < JOIN_MS
            and not any(x < a and y > merged[-1][1] for x, y in words)
        ):
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    gaps = []
    for a, b in merged:
        if b - a < MIN_GAP_MS:
            continue
        dropped = sum(n for x, y, n in loops if x < b and y > a)
        gaps.append(Gap(a, b, "repetition" if dropped else "no_text", dropped))
    return kept, sorted(gaps + unsure, key=lambda g: g.start_ms)


def _unsure_runs(segments: list[Segment]) -> tuple[list[Segment], list[Gap]]:
    """Runs of words far less sure than the rest of the recording (median of each word and
    its four neighbours below ``UNSURE`` × the recording's median): what Whisper writes for
    sounds it does not understand. The run leaves its segment and becomes a gap that keeps
    the words. Relative to the recording, because models differ: Whisper base gives correct
    Norwegian words 0.2–0.5, tiny.en correct English 0.9."""
    from statistics import median

    from kvali.pipelines.stt.transcriber import Segment

    probs = [w.probability for s in segments for w in s.words]
    if len(probs) < UNSURE_WORDS:
        return segments, []
    limit = UNSURE * median(probs)
    smooth = [median(probs[max(0, i - 2) : i + 3]) for i in range(len(probs))]
    flags = iter(x < limit for x in smooth)
    out: list[Segment] = []
    gaps: list[Gap] = []
    run: list[Any] = []

    def close_run() -> None:
        if not run:
            return
        if len(run) >= UNSURE_WORDS and run[-1].end_ms - run[0].start_ms >= UNSURE_MS:
            gaps.append(Gap(run[0].start_ms, run[-1].end_ms, "low_confidence", 0, tuple(run)))
        else:
            out.append(Segment(run[0].start_ms, run[-1].end_ms, _text(run), list(run)))
        run.clear()

    for s in segments:
        piece: list[Any] = []
        for w in s.words:
            if next(flags):
                if piece:
                    out.append(_piece(piece, s))
                    piece = []
                run.append(w)
            else:
                close_run()
                piece.append(w)
        if piece:
            out.append(_piece(piece, s))
        elif not s.words:
            out.append(s)
    close_run()
    out.sort(key=lambda s: s.start_ms)
    return out, gaps


def _text(words: list[Any]) -> str:
    return " ".join(w.text for w in words)


def _piece(words: list[Any], like: Segment) -> Segment:
    from kvali.pipelines.stt.transcriber import Segment

    if len(words) == len(like.words):
        return like
    return Segment(words[0].start_ms, words[-1].end_ms, _text(words), list(words), like.speaker)


def _union(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def gap_segment(gap: Gap, language: str) -> Segment:
    """A gap as a segment (with its unsure words, if any), so it takes its place among the
    turns and its words keep their times."""
    from kvali.pipelines.stt.transcriber import Segment

    return Segment(
        start_ms=gap.start_ms,
        end_ms=gap.end_ms,
        text=marker(gap, language),
        words=list(gap.words),
        gap=True,
    )


def speech_ms(regions: Sequence[tuple[int, int]]) -> int:
    return sum(b - a for a, b in regions)


# --- stored gaps -----------------------------------------------------------------------------


def save_gaps(conn: sa.Connection, transcript_id: int, gaps: Sequence[Gap], language: str) -> int:
    """Find each gap's marker in the stored turns (left to right) and record its span."""
    version = conn.execute(
        sa.select(t.transcripts.c.version).where(t.transcripts.c.id == transcript_id)
    ).scalar_one()
    from kvali.transcripts.service import get_text

    text = get_text(conn, transcript_id)
    rows, cursor = [], 0
    for g in sorted(gaps, key=lambda g: g.start_ms):
        mark = marker(g, language)
        at = text.find(mark, cursor)
        if at < 0:
            continue
        cursor = at + len(mark)
        rows.append(
            {
                "transcript_id": transcript_id,
                "start_char": at,
                "end_char": cursor,
                "start_ms": g.start_ms,
                "end_ms": g.end_ms,
                "reason": g.reason,
                "dropped_words": g.dropped_words,
                "marker": mark,
                "version": version,
            }
        )
    if rows:
        conn.execute(transcript_gaps.insert(), rows)
    return len(rows)


def get_gaps(conn: sa.Connection, transcript_id: int) -> list[dict[str, Any]]:
    """The transcript's gaps at its current version: span, times, why, and whether the marker
    is still there as written (``open``) or the researcher has typed over it."""
    from kvali.transcripts.service import get_text

    _sync(conn, transcript_id)
    text = get_text(conn, transcript_id)
    g = transcript_gaps
    rows = conn.execute(
        sa.select(g).where(g.c.transcript_id == transcript_id).order_by(g.c.start_char)
    ).mappings()
    out = []
    for r in rows:
        start, end = r["start_char"], r["end_char"]
        current = text[start:end]
        at = current.find(r["marker"])
        if at >= 0:  # an edit around the marker (or its undo) widened the span: the marker is it
            start, end = start + at, start + at + len(r["marker"])
            current = r["marker"]
        out.append(
            {
                "start_char": start,
                "end_char": end,
                "start_ms": r["start_ms"],
                "end_ms": r["end_ms"],
                "reason": r["reason"],
                "dropped_words": r["dropped_words"],
                "open": current == r["marker"],
                "text": current,
            }
        )
    return out


def _sync(conn: sa.Connection, transcript_id: int) -> None:
    """Carry gap spans through the edits made since they were stored (a typed-over marker
    maps to the text that replaced it); a span whose text was deleted is gone."""
    from kvali.pipelines.words import sync_spans

    sync_spans(conn, transcript_gaps, transcript_id)
