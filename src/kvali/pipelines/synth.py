"""Synthesised two-voice dialogue with espeak-ng, for the demo, the tests and the benchmark.

Real interview audio cannot ship with kvali (it identifies people); espeak-ng is small, offline
and deterministic, so the same script yields the same audio on every machine.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from kvali.errors import KvaliError

SAMPLE_RATE = 16000
VOICES = {
    "en": ("en-us", "en-us+f3"),  # measured: tiny.en WER ~0.02 on these two
    "nb": ("nb", "nb+f3"),
}


@dataclass
class Line:
    speaker: int  # 0 or 1: which voice
    text: str
    start_ms: int = 0
    end_ms: int = 0


def espeak() -> str | None:
    return shutil.which("espeak-ng")


def synthesize_dialogue(
    lines: list[tuple[int, str]],
    out: Path,
    *,
    language: str = "en",
    pause_ms: int = 700,
    speed: int = 150,
) -> list[Line]:
    """Write ``out`` (16 kHz mono WAV) with each line spoken by voice 0 or 1; returns the lines
    with their true start/end times."""
    import numpy as np

    from kvali.pipelines.audio import decode_audio

    exe = espeak()
    if exe is None:
        raise KvaliError("espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng)")
    voices = VOICES.get(language, VOICES["en"])
    pitch = (40, 65)
    gap = np.zeros(pause_ms * SAMPLE_RATE // 1000, dtype=np.float32)
    parts, result, pos = [gap], [], len(gap)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (who, text) in enumerate(lines):
            wav = Path(tmp) / f"{i}.wav"
            subprocess.run(
                [
                    exe,
                    "-v",
                    voices[who],
                    "-p",
                    str(pitch[who]),
                    "-s",
                    str(speed),
                    "-w",
                    str(wav),
                    text,
                ],
                check=True,
                capture_output=True,
            )
            samples = decode_audio(wav)
            result.append(
                Line(
                    who, text, pos * 1000 // SAMPLE_RATE, (pos + len(samples)) * 1000 // SAMPLE_RATE
                )
            )
            parts += [samples, gap]
            pos += len(samples) + len(gap)
    write_wav(out, np.concatenate(parts))
    return result


def write_wav(out: Path, samples: object) -> None:
    """16 kHz mono 16-bit WAV from float samples in −1 … 1."""
    import numpy as np

    pcm = (np.clip(np.asarray(samples, dtype=np.float32), -1, 1) * 32767).astype("<i2")
    out.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate (edit distance over reference words), case and punctuation ignored."""
    import re

    def norm(s: str) -> list[str]:
        return re.findall(r"[\w']+", s.lower())

    ref, hyp = norm(reference), norm(hypothesis)
    if not ref:
        return float(bool(hyp))
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / len(ref)
