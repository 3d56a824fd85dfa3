"""Quote check services: the study's check settings and a JSON Lines batch of quotes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.errors import InputError
from kvali.quotes.check import check_text


def study_standard(conn: sa.Connection, study_id: int) -> str:
    """The written standard the study's quotes are rendered in: ``nn`` for a Nynorsk study
    (language ``nn``), else ``nb``."""
    lang = conn.execute(sa.select(t.studies.c.language).where(t.studies.c.id == study_id)).scalar()
    return "nn" if (lang or "").lower() in ("nn", "nno", "nn-no", "nynorsk") else "nb"


def parse_jsonl(lines: Iterable[str], *, file: str | Path | None = None) -> list[dict[str, Any]]:
    """Every ``{"id", "text"}`` line read before anything is checked, so a malformed line stops
    the batch with its line number and nothing is written. Blank lines are skipped."""
    items: list[dict[str, Any]] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                "not a JSON object: {error}", file=file, line=n, error=exc.msg
            ) from None
        if not isinstance(obj, dict):
            raise InputError(
                "not a JSON object: {error}", file=file, line=n, error=type(obj).__name__
            )
        if "id" not in obj:
            raise InputError('a quote needs an "id"', file=file, line=n)
        if not isinstance(obj.get("text"), str):
            raise InputError('a quote needs a "text" string', file=file, line=n)
        items.append({"id": obj["id"], "text": obj["text"]})
    return items


def check_quotes(
    items: Iterable[dict[str, Any]], *, standard: str = "nb", conservative: bool = False
) -> list[dict[str, Any]]:
    """``{"id", "flags": [{"start", "end", "word", "suggestion", "kind"}]}`` per quote."""
    return [
        {
            "id": item["id"],
            "flags": [
                f.as_dict()
                for f in check_text(item["text"], standard=standard, conservative=conservative)
            ],
        }
        for item in items
    ]


def quote_settings(conn: sa.Connection, study_id: int) -> dict[str, Any]:
    """The study's quote settings: written standard (from its language), conservative forms
    flagged or not, and whether reports print quotes ``published`` or ``verbatim``."""
    from kvali.quotes.tables import quote_settings as qs

    row = conn.execute(sa.select(qs).where(qs.c.study_id == study_id)).mappings().first()
    return {
        "standard": study_standard(conn, study_id),
        "conservative": bool(row["conservative"]) if row else False,
        "report_quotes": row["report_quotes"] if row else "published",
    }


REPORT_QUOTES = ("published", "verbatim")


def set_quote_settings(
    conn: sa.Connection,
    study_id: int,
    *,
    conservative: bool | None = None,
    report_quotes: str | None = None,
) -> dict[str, Any]:
    """Change the settings given (the others stay); one logged event."""
    from kvali.accounts import require
    from kvali.events.service import insert_logged, update_logged

    require("owner")  # how the whole study's quotes are checked and printed
    from kvali.quotes.tables import quote_settings as qs

    if report_quotes is not None and report_quotes not in REPORT_QUOTES:
        raise InputError(
            "reports print quotes published or verbatim, not {value}", value=report_quotes
        )
    values = {
        k: v
        for k, v in (("conservative", conservative), ("report_quotes", report_quotes))
        if v is not None
    }
    row_id = conn.execute(sa.select(qs.c.id).where(qs.c.study_id == study_id)).scalar()
    if values and row_id is None:
        insert_logged(
            conn,
            qs,
            {"study_id": study_id, **values},
            study_id=study_id,
            entity="quote_settings",
            payload=values,
        )
    elif values:
        update_logged(
            conn, qs, row_id, values, study_id=study_id, entity="quote_settings", payload=values
        )
    return quote_settings(conn, study_id)
