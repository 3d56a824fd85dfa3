"""Synthetic dialogues with a known answer: espeak-ng voices, chosen pauses, overlaps, and the
reference speaker segments (RTTM) written from the script.

Real interview audio cannot ship (it identifies people). These dialogues are what the
diarization tests and ``bench/diarize.py`` measure against: every utterance's voice, speed and
the silence before it are set by the script, and its true start and end are the voiced part of
the synthesised clip (espeak's trailing silence trimmed), so the reference is exact.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kvali.errors import KvaliError

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice (``en-us``, ``en-gb+m3`` …) with its pitch (0–99) and words/minute."""

    name: str
    pitch: int = 50
    speed: int = 160


@dataclass(frozen=True)
class Utterance:
    """One turn of the script. ``gap_ms`` is the silence before it; a negative gap starts it
    that long before the previous utterance ends (the two voices overlap)."""

    speaker: int
    text: str
    gap_ms: int = 800


@dataclass(frozen=True)
class RefSegment:
    """Who speaks when: one utterance's voiced span, in ms from the start of the recording."""

    speaker: str
    start_ms: int
    end_ms: int
    text: str = ""


def _espeak(voice: Voice, text: str, out: Path) -> None:
    from kvali.pipelines.synth import espeak

    exe = espeak()
    if exe is None:
        raise KvaliError("espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng)")
    args = [exe, "-v", voice.name, "-p", str(voice.pitch), "-s", str(voice.speed)]
    subprocess.run([*args, "-w", str(out), text], check=True, capture_output=True)


def voiced_span(samples: object, *, threshold: float = 0.01, frame: int = 160) -> tuple[int, int]:
    """First and last sample of the clip louder than ``threshold`` (10 ms frames)."""
    import numpy as np

    x = np.abs(np.asarray(samples, dtype=np.float32))
    n = len(x) // frame
    if n == 0:
        return 0, len(x)
    loud = np.flatnonzero(x[: n * frame].reshape(n, frame).max(axis=1) > threshold)
    if not len(loud):
        return 0, len(x)
    return int(loud[0]) * frame, min(len(x), (int(loud[-1]) + 1) * frame)


def render_dialogue(
    script: Sequence[Utterance],
    voices: Sequence[Voice],
    out: Path,
    *,
    lead_ms: int = 500,
    tail_ms: int = 500,
) -> list[RefSegment]:
    """Write ``out`` (16 kHz mono WAV) and return the reference segments, speakers named
    ``S1``, ``S2`` … by their index in ``voices``."""
    import numpy as np

    from kvali.pipelines.audio import decode_audio

    clips = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, u in enumerate(script):
            wav = Path(tmp) / f"{i}.wav"
            _espeak(voices[u.speaker], u.text, wav)
            samples = decode_audio(wav)
            a, b = voiced_span(samples)
            clips.append(samples[a:b])
    starts, pos = [], lead_ms * SAMPLE_RATE // 1000
    prev_end = pos
    for u, clip in zip(script, clips, strict=True):
        start = prev_end + u.gap_ms * SAMPLE_RATE // 1000 if starts else pos
        start = max(0, start)
        starts.append(start)
        prev_end = max(prev_end, start + len(clip))
    total = prev_end + tail_ms * SAMPLE_RATE // 1000
    mix = np.zeros(total, dtype=np.float32)
    refs = []
    for u, clip, start in zip(script, clips, starts, strict=True):
        mix[start : start + len(clip)] += clip
        refs.append(
            RefSegment(
                f"S{u.speaker + 1}",
                start * 1000 // SAMPLE_RATE,
                (start + len(clip)) * 1000 // SAMPLE_RATE,
                u.text,
            )
        )
    from kvali.pipelines.synth import write_wav

    write_wav(out, mix)
    return refs


def to_rttm(segments: Sequence[RefSegment], uri: str = "audio") -> str:
    """NIST RTTM lines (``SPEAKER uri 1 start duration <NA> <NA> who <NA> <NA>``)."""
    return "".join(
        f"SPEAKER {uri} 1 {s.start_ms / 1000:.3f} {(s.end_ms - s.start_ms) / 1000:.3f} "
        f"<NA> <NA> {s.speaker} <NA> <NA>\n"
        for s in segments
    )
