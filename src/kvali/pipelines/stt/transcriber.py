"""faster-whisper (CTranslate2) with its bundled Silero VAD, word timestamps on.

Settings measured on espeak and real speech (../shared/MODELS.md): no conditioning on previous
text (one bad window does not spread), a 300 ms minimum silence in the VAD keeps speaker
changes apart (the default 2 s merges them), and faster-whisper's safety nets stay on: the
temperature fallback (0.0 → 1.0) re-decodes a window whose text loops (compression ratio
> 2.4) or is improbable (mean log-probability < −1). With temperature 0 alone, a window that
fails both checks and looks like silence (no-speech probability > 0.6) is skipped *whole* —
up to 30 s of speech gone without a word (issue 12). Sampling at the higher temperatures is
seeded, so a run is repeatable. What still comes out without trusted text is marked as a gap
(:mod:`kvali.pipelines.gaps`), never dropped.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

from kvali.errors import InputError
from kvali.pipelines.stt.models import ResolvedModel

if TYPE_CHECKING:
    import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing in kvali reaches a hub on its own

DEFAULTS: dict[str, Any] = {
    "beam_size": 5,
    "temperature": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
    "compression_ratio_threshold": 2.4,
    "log_prob_threshold": -1.0,
    "no_speech_threshold": 0.6,
    "condition_on_previous_text": False,
    "vad_filter": True,
    "vad_parameters": {"min_silence_duration_ms": 300, "speech_pad_ms": 200},
    "word_timestamps": True,
}
SEED = 12
# What faster-whisper's BatchedInferencePipeline does differently (transcribe.py, 1.2.1): it cuts
# the voice-active audio into clips of up to 30 s and decodes several at once; it decodes each
# clip once, at the first temperature (no fallback), and it never drops a clip as silence. A
# segment whose text loops is therefore decoded again here by the sequential path with its
# fallback (Transcriber._batched); what still fails is a gap (pipelines/gaps.py) as before.
BATCHED = {"batched": True, "temperature_fallback": "looping segments decoded again sequentially"}


@dataclass
class Word:
    start_ms: int
    end_ms: int
    text: str
    probability: float


@dataclass
class Segment:
    """One Whisper segment with absolute times (ms from the start of the recording)."""

    start_ms: int
    end_ms: int
    text: str
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None
    gap: bool = False  # a marked stretch of speech without trusted text (pipelines/gaps.py)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Segment:
        return cls(
            start_ms=d["start_ms"],
            end_ms=d["end_ms"],
            text=d["text"],
            words=[Word(**w) for w in d.get("words") or []],
            speaker=d.get("speaker"),
            gap=bool(d.get("gap")),
        )


def versions() -> dict[str, str]:
    out = {}
    for pkg in ("faster-whisper", "ctranslate2"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover
            pass
    return out


class Transcriber:
    """A loaded Whisper model; one per job, reused across windows."""

    def __init__(
        self,
        model: ResolvedModel,
        *,
        language: str,
        device: str = "cpu",
        compute_type: str | None = None,
        cpu_threads: int = 0,
        split_gap_ms: int = 400,
        batched: bool = False,
        batch_size: int = 8,
        **options: Any,
    ) -> None:
        from faster_whisper import WhisperModel

        if model.english_only and language != "en":
            raise InputError(
                "{name} understands English only; use bundled:base or another multilingual model for language {language!r}",
                name=model.name,
                language=language,
            )
        self.model = model
        self.language = language
        self.device = device
        self.compute_type = compute_type or ("int8" if device == "cpu" else "float16")
        self.options = {**DEFAULTS, **options}
        self.split_gap_ms = split_gap_ms
        # The VAD's weights (Silero, inside faster-whisper) are checked like the model's.
        from kvali import weights

        weights.verify(weights.SILERO_VAD)
        self.whisper = WhisperModel(
            model.load,
            device=device,
            compute_type=self.compute_type,
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
        self.batched = batched
        self.batch_size = batch_size
        self.pipeline = None
        self.redecoded = 0  # batched segments decoded again sequentially (their text looped)
        if batched:
            from faster_whisper import BatchedInferencePipeline

            self.pipeline = BatchedInferencePipeline(self.whisper)

    def parameters(self) -> dict[str, Any]:
        """What provenance records: every setting that changes the output."""
        return {
            "language": self.language,
            "device": self.device,
            "compute_type": self.compute_type,
            "split_gap_ms": self.split_gap_ms,
            "seed": SEED,
            **self.options,
            **(BATCHED | {"batch_size": self.batch_size} if self.batched else {}),
            **versions(),
        }

    def transcribe(self, samples: np.ndarray, *, offset_ms: int = 0) -> list[Segment]:
        import ctranslate2

        ctranslate2.set_random_seed(SEED)  # the fallback samples: same audio, same text
        if self.pipeline is not None:
            decoded = self._batched(samples)
        else:
            segments, _info = self.whisper.transcribe(
                samples, language=self.language, **self.options
            )
            decoded = [(s, 0.0) for s in segments]
        out: list[Segment] = []
        for s, shift_s in decoded:
            if not s.text.strip():
                continue
            at = offset_ms + round(shift_s * 1000)
            raw = [w for w in (s.words or []) if w.word.strip()]
            if not raw:
                out.append(
                    Segment(at + round(s.start * 1000), at + round(s.end * 1000), s.text.strip())
                )
                continue
            for piece in split_at_pauses(raw, self.split_gap_ms / 1000):
                words = [
                    Word(
                        start_ms=at + round(w.start * 1000),
                        end_ms=at + round(w.end * 1000),
                        text=w.word.strip(),
                        probability=round(float(w.probability), 4),
                    )
                    for w in piece
                ]
                out.append(
                    Segment(
                        start_ms=words[0].start_ms,
                        end_ms=words[-1].end_ms,
                        text="".join(w.word for w in piece).strip(),
                        words=words,
                    )
                )
        return out

    def _batched(self, samples: np.ndarray) -> list[tuple[Any, float]]:
        """Batched decoding, and the one safety net it lacks put back where it matters: a
        segment whose text (or a pause-delimited piece of it) loops — the test gaps.py applies —
        is decoded again by the sequential path, with its temperature fallback, from its start
        to the next segment: in a batched clip a loop can swallow the clean speech after it
        (measured on the planted test recording: 5 s of it)."""
        options = {**self.options, "vad_parameters": dict(self.options["vad_parameters"])}
        segments, _info = self.pipeline.transcribe(  # (it may pop from vad_parameters)
            samples, language=self.language, batch_size=self.batch_size, **options
        )
        from kvali.pipelines.gaps import looping

        segments = list(segments)
        out: list[tuple[Any, float]] = []
        for i, s in enumerate(segments):
            words = [w for w in (s.words or []) if w.word.strip()]
            pieces = split_at_pauses(words, self.split_gap_ms / 1000) if words else []
            if not looping(s.text) and not any(looping("".join(w.word for w in p)) for p in pieces):
                out.append((s, 0.0))
                continue
            # up to the next segment: the loop may have swallowed the rest of its clip
            end_s = segments[i + 1].start if i + 1 < len(segments) else len(samples) / 16000
            a, b = max(0, int(s.start * 16000)), min(len(samples), int(end_s * 16000))
            again, _info = self.whisper.transcribe(
                samples[a:b], language=self.language, **self.options
            )
            self.redecoded += 1
            out.extend((t, a / 16000) for t in again)
        return out


def split_at_pauses(words: list[Any], gap_s: float) -> list[list[Any]]:
    """Whisper segments can run across a change of speaker; a pause between two words is
    where a new speaker may start, so speaker embeddings are taken per pause-delimited piece."""
    pieces = [[words[0]]]
    for prev, w in zip(words, words[1:], strict=False):
        if w.start - prev.end >= gap_s:
            pieces.append([w])
        else:
            pieces[-1].append(w)
    return pieces
