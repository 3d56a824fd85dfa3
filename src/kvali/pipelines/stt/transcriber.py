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

    def parameters(self) -> dict[str, Any]:
        """What provenance records: every setting that changes the output."""
        return {
            "language": self.language,
            "device": self.device,
            "compute_type": self.compute_type,
            "split_gap_ms": self.split_gap_ms,
            "seed": SEED,
            **self.options,
            **versions(),
        }

    def transcribe(self, samples: np.ndarray, *, offset_ms: int = 0) -> list[Segment]:
        import ctranslate2

        ctranslate2.set_random_seed(SEED)  # the fallback samples: same audio, same text
        segments, _info = self.whisper.transcribe(samples, language=self.language, **self.options)
        out: list[Segment] = []
        for s in segments:
            if not s.text.strip():
                continue
            raw = [w for w in (s.words or []) if w.word.strip()]
            if not raw:
                out.append(
                    Segment(
                        offset_ms + round(s.start * 1000),
                        offset_ms + round(s.end * 1000),
                        s.text.strip(),
                    )
                )
                continue
            for piece in split_at_pauses(raw, self.split_gap_ms / 1000):
                words = [
                    Word(
                        start_ms=offset_ms + round(w.start * 1000),
                        end_ms=offset_ms + round(w.end * 1000),
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
