"""Decoding recordings with PyAV (no system ffmpeg): wav, mp3, m4a, mp4, ogg, webm, …

Long recordings are read as a stream of windows cut at the quietest moment near each window's
end, so a 60-minute interview never sits in memory whole and no word is cut in half.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kvali.errors import InputError

if TYPE_CHECKING:
    import numpy as np

SAMPLE_RATE = 16000


def _open(path: str | Path):  # noqa: ANN202 - av.container.InputContainer
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise InputError("cannot decode audio: {exc}", file=path, exc=exc) from exc
    if not container.streams.audio:
        container.close()
        raise InputError("the file has no audio stream", file=path)
    return container


def iter_samples(path: str | Path, *, block_s: float = 30.0) -> Iterator[np.ndarray]:
    """Mono float32 samples at 16 kHz, in blocks of about ``block_s`` seconds."""
    import av
    import numpy as np

    container = _open(path)
    try:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        stream = container.streams.audio[0]
        pending: list[np.ndarray] = []
        size = 0
        want = int(block_s * SAMPLE_RATE)

        def frames() -> Iterator[np.ndarray]:
            try:
                for frame in container.decode(stream):
                    for out in resampler.resample(frame):
                        yield out.to_ndarray().reshape(-1)
            except av.error.InvalidDataError:  # a truncated tail: keep what decoded
                pass
            for out in resampler.resample(None):
                yield out.to_ndarray().reshape(-1)

        for pcm in frames():
            pending.append(pcm)
            size += len(pcm)
            if size >= want:
                yield np.concatenate(pending).astype(np.float32) / 32768.0
                pending, size = [], 0
        if pending:
            yield np.concatenate(pending).astype(np.float32) / 32768.0
    finally:
        container.close()


def decode_audio(path: str | Path) -> np.ndarray:
    """The whole recording at once: for short clips (tests, the demo, benchmarks)."""
    import numpy as np

    blocks = list(iter_samples(path))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)


def duration_ms(path: str | Path) -> int | None:
    """Duration from the container header (None when the format does not say)."""
    container = _open(path)
    try:
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return int(stream.duration * stream.time_base * 1000)
        if container.duration is not None:
            return int(container.duration / 1000)
        return None
    finally:
        container.close()


@dataclass
class Window:
    """A stretch of audio: ``samples`` start at ``start_ms`` in the recording."""

    index: int
    start_ms: int
    samples: np.ndarray

    @property
    def end_ms(self) -> int:
        return self.start_ms + len(self.samples) * 1000 // SAMPLE_RATE


def quietest_cut(samples: np.ndarray, *, search_s: float = 20.0, frame_ms: int = 50) -> int:
    """Sample index of the quietest ``frame_ms`` frame in the last ``search_s`` seconds: a pause
    between words, so a cut there splits no word (deterministic, so a resumed job cuts alike)."""
    import numpy as np

    frame = SAMPLE_RATE * frame_ms // 1000
    lo = max(0, len(samples) - int(min(search_s, len(samples) / SAMPLE_RATE / 3) * SAMPLE_RATE))
    tail = samples[lo : lo + (len(samples) - lo) // frame * frame]
    if len(tail) < frame:
        return len(samples)
    energy = np.square(tail.reshape(-1, frame)).mean(axis=1)
    # smooth over ~300 ms so one quiet frame inside a word does not win over a real pause
    k = max(1, 300 // frame_ms)
    smooth = np.convolve(energy, np.ones(k) / k, mode="same")
    return lo + int(np.argmin(smooth)) * frame + frame // 2


def iter_windows(
    path: str | Path, *, window_s: float = 300.0, start_index: int = 0, start_ms: int = 0
) -> Iterator[Window]:
    """Windows of about ``window_s`` seconds cut at pauses; resuming at ``start_ms`` (the end of
    the last finished window) skips the audio before it without holding it."""
    import numpy as np

    want = int(window_s * SAMPLE_RATE)
    skip = start_ms * SAMPLE_RATE // 1000
    buf = np.zeros(0, dtype=np.float32)
    pos = start_ms  # ms where buf starts
    index = start_index
    for block in iter_samples(path):
        if skip:
            n = min(skip, len(block))
            block, skip = block[n:], skip - n
            if not len(block):
                continue
        buf = np.concatenate([buf, block])
        # keep a margin so the last window is not a sliver
        while len(buf) >= want + min(10 * SAMPLE_RATE, want // 2):
            cut = quietest_cut(buf[:want])
            cut -= cut % (SAMPLE_RATE // 1000)  # whole milliseconds, so resuming lines up
            yield Window(index, pos, buf[:cut])
            index += 1
            pos += cut * 1000 // SAMPLE_RATE
            buf = buf[cut:]
    if len(buf):
        yield Window(index, pos, buf)
