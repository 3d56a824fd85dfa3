"""Semantic index and search: cross-language retrieval, filters, incremental updates, erasure."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from kvali.semantic.service import forget_transcripts, semantic_search, update_index
from kvali.semantic.store import VectorStore
from kvali.semantic.tables import semantic_indexes, semantic_segments
from kvali.transcripts.offsets import Edit
from kvali.transcripts.service import edit_text, get_text


def _search(project, sid, query, **kw):
    with project.begin() as conn:
        return semantic_search(conn, sid, query, project_path=project.path, **kw)


def test_cross_language_retrieval(bilingual):
    project, sid, _, _ = bilingual
    # Bokmål query -> English passage, and English query -> Bokmål passage.
    hit = _search(project, sid, "Vi samarbeider med andre skoler i et regionalt nettverk")[0]
    assert "regional network" in hit["text"]
    hit = _search(project, sid, "University researchers have supported our school")[0]
    assert "universitetet" in hit["text"]
    hit = _search(project, sid, "kommunen har kuttet budsjettet")[0]
    assert "municipality" in hit["text"]


def test_hits_carry_offsets_and_filters_apply(bilingual):
    project, sid, tid, _ = bilingual
    with project.begin() as conn:
        text = get_text(conn, tid)
    hits = _search(project, sid, "tid til samarbeid", limit=10)
    assert all(text[h["start_char"] : h["end_char"]] == h["text"] for h in hits)
    assert hits == sorted(hits, key=lambda h: -h["score"])
    assert {h["role"] for h in _search(project, sid, "nettverk", role="interviewer")} == {
        "interviewer"
    }
    assert _search(project, sid, "nettverk", mode="hybrid") == []
    assert _search(project, sid, "nettverk", attribute=("skoletype", "barneskole"))


def test_index_consistent_after_transcript_edit(bilingual):
    project, sid, tid, _ = bilingual
    with project.begin() as conn:
        text = get_text(conn, tid)
        a = text.index("tirsdag ettermiddag")
        edit_text(conn, sid, tid, [Edit(a, a + len("tirsdag"), "onsdag")])
        stats = update_index(conn, sid, project_path=project.path)
        new_text = get_text(conn, tid)
        segs = conn.execute(
            sa.select(semantic_segments).where(semantic_segments.c.transcript_id == tid)
        ).all()
        version = conn.execute(sa.text(f"select version from transcripts where id={tid}")).scalar()
    assert stats["embedded"] == 1 and stats["removed"] == 1 and stats["reused"] >= 6
    assert {s.transcript_version for s in segs} == {version}
    # Every segment still points at its own text (later ones moved by one character).
    import hashlib

    for s in segs:
        piece = new_text[s.start_char : s.end_char]
        assert hashlib.sha256(piece.encode()).hexdigest() == s.text_hash
    hit = _search(project, sid, "fellestid på onsdager")[0]
    assert "onsdag ettermiddag" in hit["text"]
    with project.begin() as conn:  # nothing changed: nothing embedded
        assert update_index(conn, sid, project_path=project.path)["embedded"] == 0


def test_forget_transcripts_erases_vectors(bilingual):
    project, sid, tid, _ = bilingual
    with project.begin() as conn:
        idx = conn.execute(sa.select(semantic_indexes)).mappings().one()
    store = VectorStore(project.path, idx["folder"], idx["dim"])
    assert np.abs(store.matrix()).sum() > 0
    assert forget_transcripts(project, [tid]) == store.rows
    assert np.abs(store.matrix()).sum() == 0
    with project.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(semantic_segments)).scalar() == 0
    assert _search(project, sid, "nettverk") == []


def test_models_are_never_mixed(bilingual):
    project, sid, _, _ = bilingual
    from kvali.errors import InputError
    from kvali.semantic.models import ModelInfo

    class Other:
        info = ModelInfo(id="other", version="1", sha256="f" * 64, dim=384)

        def passages(self, texts):
            return np.ones((len(texts), 384), dtype=np.float32) / np.sqrt(384)

        queries = passages

    before = _search(project, sid, "regionalt nettverk")
    with project.begin() as conn:
        update_index(conn, sid, project_path=project.path, embedder=Other())
        indexes = conn.execute(sa.select(semantic_indexes)).mappings().all()
    assert len(indexes) == 2 and len({i["folder"] for i in indexes}) == 2
    # The default model's search still reads only its own file.
    assert _search(project, sid, "regionalt nettverk") == before
    with pytest.raises(InputError):
        _search(project, sid, "x", model=str(project.path / "missing-model"))
