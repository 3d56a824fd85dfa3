"""Who may see which coding: the blind-coding rule, applied where codings are read.

While a transcript is blind (``analysis_blind`` without ``opened_at``), each of its coders sees
only their own codings, and anyone else sees only codings by people outside the round, so
nobody's independent work shows before every coder has marked the transcript done. Once the
comparison opens, everyone sees everything.

Every reader of codings takes the ``viewer`` and asks :func:`visible`: ``list_codings`` (the
coding screen, ``kvali coding list``, the split screen), ``get_coding`` (a coding's detail and
the changes made through it), the search filter by code and the report's codings. ``viewer``
is the researcher's name (the CLI's ``--user``/``$KVALI_USER``, the workbench's user), or
``None`` for analysis that must see every coder's work (agreement, the review after the
comparison opened): a client always passes a name (``tests/web/test_routes_thin.py`` checks).
"""

from __future__ import annotations

import sqlalchemy as sa

from kvali.analysis.tables import analysis_blind as blind_t
from kvali.analysis.tables import analysis_blind_coders as coders_t
from kvali.db import schema as t


def open_rounds(study_id: int) -> sa.Select:
    """Transcript ids of the study's blind rounds that have not opened yet: material nobody may
    compare or learn from until every coder of the round is done (agreement, learned
    suggestions)."""
    return sa.select(blind_t.c.transcript_id).where(
        blind_t.c.study_id == study_id, blind_t.c.opened_at.is_(None)
    )


def _blind_somewhere(conn: sa.Connection, study_id: int) -> bool:
    """Whether any transcript of the study is blind now (one indexed look-up)."""
    return conn.execute(open_rounds(study_id).limit(1)).first() is not None


def visible(
    conn: sa.Connection, study_id: int, viewer: str | None
) -> sa.ColumnElement[bool] | None:
    """A condition on ``codings`` rows: those ``viewer`` may see (None: no condition needed).

    ``viewer=None`` sees everything (analysis comparing coders). Otherwise a coding is hidden
    when its transcript is blind and either the viewer is one of the round's coders and the
    coding is not theirs, or the viewer is not and the coding is by one of the round's coders.
    """
    if viewer is None or not _blind_somewhere(conn, study_id):
        return None
    c = t.codings
    uid = conn.execute(sa.select(t.users.c.id).where(t.users.c.name == viewer)).scalar()
    member = coders_t.alias("blind_member")
    viewer_codes = sa.exists(
        sa.select(1)
        .where(member.c.blind_id == blind_t.c.id, member.c.user_id == uid)
        .correlate_except(member)
    )
    by_round_coder = sa.exists(
        sa.select(1)
        .where(coders_t.c.blind_id == blind_t.c.id, coders_t.c.user_id == c.c.coder_id)
        .correlate_except(coders_t)
    )
    if uid is None:  # never a coder of any round: only the outsiders' codings
        hidden = by_round_coder
    else:
        not_mine = sa.or_(c.c.coder_id.is_(None), c.c.coder_id != uid)
        hidden = sa.or_(sa.and_(viewer_codes, not_mine), sa.and_(~viewer_codes, by_round_coder))
    return ~sa.exists(
        sa.select(1)
        .where(blind_t.c.transcript_id == c.c.transcript_id, blind_t.c.opened_at.is_(None), hidden)
        .correlate_except(blind_t)
    )


def only_visible(conn: sa.Connection, study_id: int, q: sa.Select, viewer: str | None) -> sa.Select:
    """``q`` (which selects from ``codings``) limited to what ``viewer`` may see."""
    cond = visible(conn, study_id, viewer)
    return q if cond is None else q.where(cond)
