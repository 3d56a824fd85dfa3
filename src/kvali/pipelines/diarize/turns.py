"""Whisper's words onto the speaker timeline: a segment that spans a change of speaker is split
at the word boundary nearest to the change, and each piece goes to the speaker who talks most
during it (the speaker segment holding the midpoints of its words)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from kvali.pipelines.diarize.voice import SpeakerSpan


def speaker_at(timeline: Sequence[SpeakerSpan], ms: float, starts: list[int]) -> int:
    """The speaker whose span holds ``ms``, else the nearest span's speaker."""
    i = bisect.bisect_right(starts, ms) - 1
    best, dist = timeline[max(i, 0)].speaker, float("inf")
    for j in (i, i + 1):
        if 0 <= j < len(timeline):
            s = timeline[j]
            d = (
                0.0
                if s.start_ms <= ms < s.end_ms
                else min(abs(ms - s.start_ms), abs(ms - s.end_ms))
            )
            if d < dist:
                best, dist = s.speaker, d
    return best


def _changes(timeline: Sequence[SpeakerSpan], start: int, end: int) -> list[int]:
    """Times inside ``(start, end)`` where the speaker changes."""
    out = []
    for a, b in zip(timeline, timeline[1:], strict=False):
        t = (a.end_ms + b.start_ms) // 2
        if a.speaker != b.speaker and start < t < end:
            out.append(t)
    return out


def split_segments(segments: Sequence[Any], timeline: Sequence[SpeakerSpan]) -> tuple[list, list]:
    """Whisper segments (with ``words``) cut at speaker changes, and a speaker per piece."""
    from kvali.pipelines.stt.transcriber import Segment

    if not timeline:
        return list(segments), [0] * len(segments)
    starts = [s.start_ms for s in timeline]
    pieces: list[Any] = []
    labels: list[int] = []
    for seg in segments:
        words = list(seg.words or [])
        groups = [words]
        if len(words) > 1:
            cuts = set()
            bounds = [(words[i].end_ms + words[i + 1].start_ms) / 2 for i in range(len(words) - 1)]
            for t in _changes(timeline, seg.start_ms, seg.end_ms):
                cuts.add(min(range(len(bounds)), key=lambda i: abs(bounds[i] - t)) + 1)
            edges = [0, *sorted(cuts), len(words)]
            groups = [words[a:b] for a, b in zip(edges, edges[1:], strict=False) if b > a]
        for group in groups:
            if group:
                piece = Segment(
                    group[0].start_ms,
                    group[-1].end_ms,
                    " ".join(w.text for w in group),
                    words=group,
                )
                votes: dict[int, int] = {}
                for w in group:
                    who = speaker_at(timeline, (w.start_ms + w.end_ms) / 2, starts)
                    votes[who] = votes.get(who, 0) + max(1, w.end_ms - w.start_ms)
            else:  # a segment without word times: by its midpoint
                piece = seg
                votes = {speaker_at(timeline, (seg.start_ms + seg.end_ms) / 2, starts): 1}
            pieces.append(piece)
            labels.append(max(votes, key=lambda k: votes[k]))
    return pieces, labels
