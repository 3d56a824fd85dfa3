"""Language codes as Whisper knows them: it has ``no`` (Norwegian, written as Bokmål) and ``nn``
(Nynorsk) but rejects ``nb``; auto-detection picks Danish on Bokmål, so kvali always passes one."""

from __future__ import annotations

from kvali.errors import InputError

_ALIASES = {
    "nb": "no",
    "nob": "no",
    "nor": "no",
    "no": "no",
    "bokmål": "no",
    "bokmal": "no",
    "norsk": "no",
    "norwegian": "no",
    "nn": "nn",
    "nno": "nn",
    "nynorsk": "nn",
    "eng": "en",
    "english": "en",
    "engelsk": "en",
    "swe": "sv",
    "dan": "da",
}


def whisper_language(code: str | None, *, default: str = "no") -> str:
    """Map a study or user language (nb, nn, no, en-GB, …) to a Whisper language code."""
    if not code:
        code = default
    c = code.strip().lower().replace("_", "-")
    c = _ALIASES.get(c, c)
    if "-" in c:  # en-GB, nb-NO
        c = _ALIASES.get(c.split("-")[0], c.split("-")[0])
    try:
        from faster_whisper.tokenizer import _LANGUAGE_CODES as known
    except ImportError:  # pragma: no cover - without the stt extra
        known = ("no", "nn", "en", "sv", "da", "de", "fr", "es")
    if c not in known:
        raise InputError(
            "Whisper does not know the language {code!r}; use e.g. no, nn, en, sv", code=code
        )
    return c
