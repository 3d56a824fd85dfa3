"""Framework matrix: framework item × interview (or × theme) with an evidence level.

The thesis' discussion chapter as a table: for each item, is it present *explicitly*,
*implicitly* or *not found*? kvali suggests a level from the coding — codings with a code
mapped to the item (or the item's own code) are explicit evidence; participant turns (or, by
theme, coded passages) sharing the item's keywords are implicit — and the researcher sets the
level that counts, with a note. Both are kept, so the table shows where judgement overrode the
suggestion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from kvali.analysis.frameworks import framework_id, get_framework, item_id
from kvali.analysis.tables import analysis_framework_evidence as ev_t
from kvali.analysis.textmatch import Matcher, Passages
from kvali.codes.service import ancestors
from kvali.codings.service import list_codings
from kvali.db import schema as t
from kvali.errors import InputError, NotFoundError
from kvali.events.service import current_actor, log_event
from kvali.interviews.service import interview_id
from kvali.transcripts.service import get_turns
from kvali.util import now

LEVELS = ("explicit", "implicit", "not_found")
COLUMNS = ("interview", "theme")


def _columns(conn: sa.Connection, study_id: int, by: str) -> list[dict[str, Any]]:
    if by == "interview":
        q = (
            sa.select(t.interviews.c.id, t.interviews.c.label)
            .where(t.interviews.c.study_id == study_id)
            .order_by(t.interviews.c.id)
        )
    else:
        q = (
            sa.select(t.codes.c.id, t.codes.c.name.label("label"))
            .where(
                t.codes.c.study_id == study_id,
                t.codes.c.level == "theme",
                t.codes.c.status == "active",
            )
            .order_by(t.codes.c.position, t.codes.c.id)
        )
    return [{"id": r.id, "label": r.label} for r in conn.execute(q)]


def _passage(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "coding_id": c["id"],
        "interview": c["interview"],
        "code": c["code"],
        "speaker": c.get("speaker"),
        "start_char": c["start_char"],
        "end_char": c["end_char"],
        "text": c["text"][:240],
        "method": "coding",
    }


def framework_matrix(
    conn: sa.Connection,
    study_id: int,
    framework: str | int,
    *,
    by: str = "interview",
    viewer: str | None = None,
    turns_of: dict[int, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """``{"framework", "by", "columns", "rows": [{"item", "cells": [{"suggested", "level",
    "set", "note", "passages"}]}]}``: ``level`` is the researcher's when set, else suggested;
    the evidence comes from the codings ``viewer`` may see (``codings.visible``).
    ``turns_of``: transcript id → turns already read (a report shares it between sections)."""
    if by not in COLUMNS:
        raise InputError("columns must be one of {columns}", columns=", ".join(COLUMNS))
    fw = get_framework(conn, study_id, framework)
    columns = _columns(conn, study_id, by)
    turns_of = {} if turns_of is None else turns_of  # read once, for codings and passages
    codings = list_codings(conn, study_id, turns=turns_of, viewer=viewer)
    codes = {
        r["id"]: dict(r)
        for r in conn.execute(sa.select(t.codes).where(t.codes.c.study_id == study_id)).mappings()
    }
    theme_of = {cid: ancestors(codes, cid).get("theme") for cid in codes}
    labels = {c["id"]: c["label"] for c in columns}
    matcher = Matcher((k, True) for item in fw["items"] for k in item["keywords"])
    grouped: dict[Any, list[dict[str, Any]]] = {}  # codings by interview label or theme name
    if by == "interview":
        for c in codings:
            grouped.setdefault(c["interview"], []).append(c)
        in_column = {col["id"]: grouped.get(col["label"], []) for col in columns}
        passages: dict[int, Passages] = {}
        for col in columns:
            tid = conn.execute(
                sa.select(t.transcripts.c.id).where(t.transcripts.c.interview_id == col["id"])
            ).scalar()
            if tid and matcher.terms and tid not in turns_of:
                turns_of[tid] = get_turns(conn, tid)
            turns = turns_of.get(tid, []) if tid and matcher.terms else []
            passages[col["id"]] = Passages(
                [x for x in turns if x["role"] == "participant"], matcher
            )
    else:
        names = {cid: c["name"] for cid, c in codes.items()}
        for c in codings:
            grouped.setdefault(theme_of.get(c["code_id"]), []).append(c)
        in_column = {col["id"]: grouped.get(names[col["id"]], []) for col in columns}
        passages = {
            col["id"]: Passages(
                [
                    {
                        "speaker": c["speaker"],
                        "role": "",
                        "start_char": c["start_char"],
                        "end_char": c["end_char"],
                        "start_ms": c.get("start_ms"),
                        "text": c["text"],
                    }
                    for c in in_column[col["id"]]
                ],
                matcher,
            )
            for col in columns
        }
    saved = {
        (r.item_id, r.column_id): r
        for r in conn.execute(
            sa.select(ev_t).where(
                ev_t.c.item_id.in_([i["id"] for i in fw["items"]] or [-1]),
                ev_t.c.column_type == by,
            )
        )
    }
    by_id = {c["id"]: c for c in codings}
    rows = []
    for item in fw["items"]:
        mapped = set(item["code_ids"])
        phrases = [matcher.phrase(k) for k in item["keywords"]]
        cells = []
        for col in columns:
            explicit = [_passage(c) for c in in_column[col["id"]] if c["code_id"] in mapped]
            implicit: list[dict[str, Any]] = []
            if not explicit:
                for ph in phrases:
                    _n, found = passages[col["id"]].find(ph, share=0.66, limit=2)
                    implicit.extend(f for f in found if f not in implicit)
            suggested = "explicit" if explicit else "implicit" if implicit else "not_found"
            cell = {
                "column_id": col["id"],
                "column": labels[col["id"]],
                "suggested": suggested,
                "level": suggested,
                "set": False,
                "note": "",
                "passages": (explicit or implicit)[:3],
            }
            got = saved.get((item["id"], col["id"]))
            if got is not None:
                cell.update(level=got.level, set=True, note=got.note, set_by=got.actor)
                chosen = [_passage(by_id[i]) for i in got.coding_ids if i in by_id]
                if chosen:
                    cell["passages"] = chosen
            cells.append(cell)
        rows.append(
            {
                "item_id": item["id"],
                "item": item["name"],
                "description": item["description"],
                "codes": item["codes"],
                "cells": cells,
            }
        )
    return {
        "framework": fw["name"],
        "framework_id": fw["id"],
        "by": by,
        "columns": columns,
        "rows": rows,
    }


def set_evidence(
    conn: sa.Connection,
    study_id: int,
    *,
    framework: str | int,
    item: str | int,
    level: str,
    interview: str | int | None = None,
    theme: str | int | None = None,
    note: str = "",
    coding_ids: Sequence[int] = (),
) -> int:
    """The researcher's evidence level for one cell (replaces an earlier one)."""
    if level not in LEVELS:
        raise InputError("evidence level must be one of {levels}", levels=", ".join(LEVELS))
    if (interview is None) == (theme is None):
        raise InputError("name either an interview or a theme for the cell")
    iid = item_id(conn, study_id, framework, item)
    if interview is not None:
        column_type, column = "interview", interview_id(conn, study_id, interview)
    else:
        from kvali.codes.service import code_id

        column_type, column = "theme", code_id(conn, study_id, theme)  # type: ignore[arg-type]
    conn.execute(
        ev_t.delete().where(
            ev_t.c.item_id == iid, ev_t.c.column_type == column_type, ev_t.c.column_id == column
        )
    )
    eid = conn.execute(
        ev_t.insert().values(
            item_id=iid,
            column_type=column_type,
            column_id=column,
            level=level,
            note=note,
            coding_ids=list(coding_ids),
            actor=current_actor(),
            updated_at=now(),
        )
    ).inserted_primary_key[0]
    log_event(
        conn,
        study_id=study_id,
        action="set_evidence",
        entity="framework_item",
        entity_id=iid,
        payload={
            "framework_id": framework_id(conn, study_id, framework),
            column_type: column,
            "level": level,
        },
    )
    return eid


def clear_evidence(
    conn: sa.Connection,
    study_id: int,
    *,
    framework: str | int,
    item: str | int,
    interview: str | int,
) -> None:
    """Back to the suggestion for one interview cell."""
    iid = item_id(conn, study_id, framework, item)
    col = interview_id(conn, study_id, interview)
    n = conn.execute(
        ev_t.delete().where(
            ev_t.c.item_id == iid, ev_t.c.column_type == "interview", ev_t.c.column_id == col
        )
    ).rowcount
    if not n:
        raise NotFoundError("no evidence level was set for that cell")
    log_event(
        conn,
        study_id=study_id,
        action="clear_evidence",
        entity="framework_item",
        entity_id=iid,
        payload={"interview": col},
    )
