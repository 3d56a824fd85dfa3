"""The one way a service looks a row up: found, or a NotFoundError the researcher can act on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from kvali.errors import NotFoundError


def get_or_404(
    conn: sa.Connection,
    table: sa.Table,
    row_id: int | None = None,
    *,
    study_id: int | None = None,
    match: Mapping[str, Any] | None = None,
    error: NotFoundError,
) -> sa.RowMapping:
    """The row of ``table`` with this id (and in this study, and with the column values in
    ``match``), or ``error`` raised: ``get_or_404(conn, t.memos, 7, study_id=sid,
    error=NotFoundError("no memo {memo_id}", memo_id=7))``.

    The error is the caller's own catalogue message, so each says what was not found."""
    q = sa.select(table)
    if row_id is not None:
        q = q.where(table.c.id == row_id)
    if study_id is not None:
        q = q.where(table.c.study_id == study_id)
    q = q.where(*(table.c[name] == value for name, value in (match or {}).items()))
    row = conn.execute(q.limit(1)).mappings().first()
    if row is None:
        raise error
    return row
