"""Full-text search (FTS5 on SQLite, tsvector on PostgreSQL) with filters."""

from __future__ import annotations

import pytest

from kvali.errors import InputError
from tests.helpers import mini_study


@pytest.fixture
def searchable(study, tmp_path):
    from kvali.codings.service import code_quote

    project, sid = study
    mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        code_quote(
            conn, sid, interview="Intervju 2", code="Tid", quote="Tid er alltid en utfordring."
        )
    return project, sid


def _search(project, sid, query, **kw):
    from kvali.search.service import search

    with project.begin() as conn:
        return search(conn, sid, query, **kw)


def test_words_phrases_prefixes(searchable):
    project, sid = searchable
    hits = _search(project, sid, "erfaringer")
    assert [(h["interview"], h["speaker"]) for h in hits] == [
        ("Intervju 1", "Kari"),
        ("Intervju 2", "Ole"),
    ]
    assert _search(project, sid, '"lærer av andre"')[0]["interview"] == "Intervju 2"
    assert len(_search(project, sid, '"andre lærer"')) == 0
    assert {h["interview"] for h in _search(project, sid, "nettverk*")} == {
        "Intervju 1",
        "Intervju 2",
    }
    assert _search(project, sid, "tid utfordring")[0]["snippet"].startswith("Tid er alltid")


def test_hits_carry_offsets_into_the_transcript(searchable):
    from kvali.transcripts.service import get_text, transcript_id_for

    project, sid = searchable
    hit = _search(project, sid, "Fjellvang")[0]
    with project.begin() as conn:
        text = get_text(conn, transcript_id_for(conn, sid, "Intervju 1"))
    s, e = hit["matches"][0]
    assert text[s:e] == "Fjellvang"


def test_filters_code_attribute_mode_role(searchable):
    project, sid = searchable
    assert [h["interview"] for h in _search(project, sid, "tid", code="Tid")] == ["Intervju 2"]
    assert [
        h["interview"] for h in _search(project, sid, "tid", attribute=("skoletype", "barneskole"))
    ] == ["Intervju 1"]
    assert {h["interview"] for h in _search(project, sid, "tid", mode="digital")} == {"Intervju 2"}
    assert {h["role"] for h in _search(project, sid, "tid", role="interviewer")} == {"interviewer"}


def test_empty_query_is_an_error(searchable):
    project, sid = searchable
    with pytest.raises(InputError):
        _search(project, sid, "  ?! ")


def test_search_stays_in_sync_with_edits(searchable):
    from kvali.codings.service import find_quote
    from kvali.transcripts.offsets import Edit
    from kvali.transcripts.service import edit_text, get_text, transcript_id_for

    project, sid = searchable
    with project.begin() as conn:
        tid = transcript_id_for(conn, sid, "Intervju 1")
        s, e = find_quote(get_text(conn, tid), "Fjellvang skole")
        edit_text(conn, sid, tid, [Edit(s, e, "xxx (navn på skole)")])
    assert _search(project, sid, "Fjellvang") == []


def test_slow_plan_falls_back_to_the_safe_one(project):
    """On PostgreSQL a phrase search that overruns its budget is answered by the safe plan."""
    import sqlalchemy as sa

    from kvali.search.service import _with_fallback

    if project.is_sqlite:
        pytest.skip("PostgreSQL planner fallback")
    with project.begin() as conn:
        slow = sa.select(sa.literal(1).label("x")).where(sa.func.pg_sleep(0.3).is_not(None))
        safe = sa.select(sa.literal(2).label("x"))
        assert [r["x"] for r in _with_fallback(conn, slow, safe, budget_ms=20)] == [2]
        assert [r["x"] for r in _with_fallback(conn, safe, slow, budget_ms=5000)] == [2]
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
