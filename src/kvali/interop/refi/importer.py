"""Writing a read REFI-QDA project into a kvali study, inside the caller's transaction.

Every source with text becomes an interview with a transcript (turns from ``Name:`` lines, else one
per line); selections become codings at exactly the same characters; what kvali cannot hold is
listed in the warnings. Nothing here commits: a failure anywhere leaves the database untouched.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import sqlalchemy as sa

from kvali.codes.service import create_code
from kvali.codings.service import add_codings
from kvali.db import schema as t
from kvali.errors import NotFoundError
from kvali.events.service import log_event
from kvali.interviews.service import add_interview, user_id
from kvali.memos.service import add_memo
from kvali.participants.service import add_participant, set_attributes
from kvali.studies.service import create_study, default_study_id, update_study
from kvali.transcripts.service import save_transcript
from kvali.util import new_guid, now

from . import kvalimeta
from .model import RCode, RProject, RText
from .positions import PositionModel, pick_model, split_turns
from .tables import refi_sets

_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
MAX_WARNINGS_PER_SOURCE = 5


class Importer:
    """One import run: the study, the maps from REFI GUIDs to kvali ids, counts and warnings."""

    def __init__(self, conn: sa.Connection, rp: RProject, title: str):
        self.conn, self.rp = conn, rp
        self.warnings = list(rp.warnings)
        self.counts: Counter[str] = Counter()
        self.kvali = rp.origin.casefold().startswith("kvali")
        self.sid = self._study(title)
        self.codes: dict[str, int] = {}
        self.interviews: dict[str, int] = {}
        self.codings: dict[str, int] = {}  # selection guid → first coding id
        self.note_targets: dict[str, tuple[str, int]] = {}
        self.memos: dict[str, int] = {}

    def _study(self, title: str) -> int:
        try:
            return default_study_id(self.conn)
        except NotFoundError:
            pass
        sid = create_study(self.conn, title=self.rp.name or title or "Imported study")
        self.counts["studies"] = 1
        if self.kvali and self.rp.description:
            update_study(self.conn, sid, problem_statement=self.rp.description)
        return sid

    # codes -----------------------------------------------------------------------------------
    def import_codes(self, levels: dict[str, str]) -> None:
        """Create the code tree; ``::`` and ``\\`` in flat names are hierarchy (ATLAS.ti, Taguette)."""
        tree: dict[tuple[str, ...], dict[str, Any]] = {}

        def add(path: tuple[str, ...], code: RCode | None) -> None:
            for i in range(1, len(path)):
                tree.setdefault(path[:i], {"code": None})
            node = tree.setdefault(path, {"code": None})
            if code is not None and node["code"] is None:
                node["code"] = code
            elif code is not None:
                self.warnings.append(f"code {'/'.join(path)!r} appears twice; merged")
                self.codes.setdefault(code.guid, -1)
                node.setdefault("aliases", []).append(code.guid)

        def walk(codes: list[RCode], prefix: tuple[str, ...]) -> None:
            for code in codes:
                name = code.name or "Unnamed code"
                parts: tuple[str, ...] = (name,)
                if not prefix and not code.children:
                    sep = "::" if "::" in name else "\\" if "\\" in name else None
                    if sep:
                        parts = tuple(p.strip() or "Unnamed code" for p in name.split(sep))
                add(prefix + parts, code)
                walk(code.children, prefix + parts)

        walk(self.rp.codes, ())
        existing = self._existing_codes()
        created: dict[tuple[str, ...], int] = {}
        for path in tree:  # insertion order puts every parent before its children
            node = tree[path]
            code: RCode | None = node["code"]
            name = path[-1]
            clean = name.replace("/", "∕")[:300]
            if clean != name:
                self.warnings.append(
                    f"code name {name!r} changed to {clean!r} ('/' is kvali's path separator)"
                )
            parent = created.get(path[:-1]) if len(path) > 1 else None
            key = (parent, clean)
            if key in existing:
                cid = existing[key]
                self.counts["codes_reused"] += 1
            else:
                has_kids = any(len(p) == len(path) + 1 and p[:-1] == path for p in tree)
                level = levels.get(code.guid, "") if code else ""
                if level not in ("theme", "category", "code"):
                    level = (
                        ("theme", "category")[len(path) - 1]
                        if len(path) <= 2 and has_kids
                        else "code"
                    )
                    parent_level = self._level_of(parent)
                    if parent_level == "code":
                        level = "code"
                color = code.color if code and code.color and _COLOR.match(code.color) else None
                cid = create_code(
                    self.conn,
                    self.sid,
                    name=clean,
                    parent=parent,
                    level=level,
                    description=(code.description if code else "")[:100_000],
                    color=color,
                )
                existing[key] = cid
                self.counts["codes"] += 1
            created[path] = cid
            if code is not None:
                self.codes.setdefault(code.guid, cid)
                for alias in node.get("aliases", []):
                    self.codes[alias] = cid
                for ref in code.note_refs:
                    self.note_targets.setdefault(ref, ("code", cid))

    def _existing_codes(self) -> dict[tuple[int | None, str], int]:
        rows = self.conn.execute(
            sa.select(t.codes.c.id, t.codes.c.parent_id, t.codes.c.name).where(
                t.codes.c.study_id == self.sid, t.codes.c.status == "active"
            )
        )
        return {(p, n): i for i, p, n in rows}

    def _level_of(self, cid: int | None) -> str | None:
        if cid is None:
            return None
        return self.conn.execute(sa.select(t.codes.c.level).where(t.codes.c.id == cid)).scalar()

    # cases → participants ----------------------------------------------------------------------
    def import_cases(self) -> dict[str, list[str]]:
        """Participants from cases; returns source GUID → participant codes."""
        by_source: dict[str, list[str]] = {}
        taken = {
            c
            for (c,) in self.conn.execute(
                sa.select(t.participants.c.code).where(t.participants.c.study_id == self.sid)
            )
        }
        for n, case in enumerate(self.rp.cases, start=1):
            code = (case.name or f"Case {n}")[:64]
            attrs: dict[str, str] = {}
            for var, value in case.values:
                name = self.rp.variables.get(var) or f"variable {var[:8]}"
                attrs[name[:200]] = value
            if code in taken:
                if attrs:
                    set_attributes(self.conn, self.sid, code, attrs)
                self.counts["participants_updated"] += 1
            else:
                add_participant(self.conn, self.sid, code=code, attributes=attrs)
                taken.add(code)
                self.counts["participants"] += 1
            for src in case.sources:
                by_source.setdefault(src, []).append(code)
        return by_source

    # sources → interviews, transcripts, codings ----------------------------------------------------
    def _label(self, name: str) -> str:
        base = name.strip()[:190] or "Source"
        label, n = base, 1
        while self.conn.execute(
            sa.select(t.interviews.c.id).where(
                t.interviews.c.study_id == self.sid, t.interviews.c.label == label
            )
        ).first():
            n += 1
            label = f"{base} ({n})"
        if n > 1:
            self.warnings.append(f"source {name!r} imported as {label!r} (the name was taken)")
        return label

    def _text_of(self, src: RText) -> tuple[str | None, str | None]:
        if src.inline is not None:
            return src.inline.replace("\x00", "\ufffd"), None
        if not src.text_path:
            return None, "no plain text (no plainTextPath or PlainTextContent)"
        return src.plain, src.text_problem or (None if src.plain is not None else "no plain text")

    def import_sources(self, participants_of: dict[str, list[str]]) -> None:
        for src in self.rp.texts:
            self.import_source(src, participants_of.get(src.guid, []))

    def import_source(self, src: RText, participants: list[str]) -> None:
        meta = kvalimeta.parse_interview(src.description) if self.kvali else {}
        label = self._label(src.name)
        iid = add_interview(
            self.conn,
            self.sid,
            label=label,
            participants=participants,
            interviewers=meta.get("interviewers", []),
            date=meta.get("date"),
            mode=meta.get("mode", "in_person"),
            duration_s=meta.get("duration_s"),
            audio_path=None,
        )
        self.interviews.setdefault(src.guid, iid)
        self.counts["interviews"] += 1
        for ref in src.note_refs:
            self.note_targets.setdefault(ref, ("interview", iid))
        if src.description and not self.kvali:
            add_memo(
                self.conn,
                self.sid,
                text=src.description,
                target_type="interview",
                target_id=iid,
                title="Description",
            )
            self.counts["memos"] += 1
        text, why = self._text_of(src)
        if why and text is not None:
            self.warnings.append(f"{src.name}: {why}")
        coded = sum(len(s.codings) for s in src.selections)
        if text is None or not text.strip():
            why = why or "its text is empty"
            self.warnings.append(
                f"{src.name}: {why}; interview created without transcript"
                + (f", {coded} codings not imported" if coded else "")
            )
            self.counts["codings_skipped"] += coded
            return
        spans = [(s.start, s.end) for s in src.selections]
        model, score, note = pick_model(text, self.rp.origin, spans)
        if note:
            self.warnings.append(f"{src.name}: {note}")
        if spans and score < 0.8 * len(spans):
            self.warnings.append(
                f"{src.name}: only {score} of {len(spans)} selections start and end on word "
                f"boundaries (positions read as {model.name}); check these codings"
            )
        lay = split_turns(text, strict_labels=self.kvali)
        starts = self._sync_times(src, model, lay)
        turns = [
            {"speaker": tr.speaker[:200], "text": tr.text, "start_ms": starts.get(i)}
            for i, tr in enumerate(lay.turns)
        ]
        tid = save_transcript(
            self.conn,
            self.sid,
            iid,
            turns=turns,
            source=f"refi:{src.text_path or src.guid}",
            provenance={
                "refi": {
                    "origin": self.rp.origin,
                    "source_guid": src.guid,
                    "kind": src.kind,
                    "positions": model.name,
                }
            },
            speaker_roles=meta.get("roles"),
        )
        self.counts["transcripts"] += 1
        self._codings(src, model, lay, tid, iid)

    def _sync_times(self, src: RText, model: PositionModel, lay: Any) -> dict[int, int]:
        """The first sync-point time inside each turn: turn index → ms."""
        out: dict[int, int] = {}
        for pos, ms in sorted(src.sync_points.values()):
            idx = model.to_index(pos)
            k = lay.map_start(idx) if idx is not None else None
            if k is None or ms < 0:
                continue
            for i, (s, e) in enumerate(lay.offsets):
                if s <= k <= e:
                    out.setdefault(i, ms)
                    break
        return out

    def _codings(self, src: RText, model: PositionModel, lay: Any, tid: int, iid: int) -> None:
        problems: list[str] = []
        planned: list[
            tuple[Any, tuple[int, int], list[tuple[int, int, int, str | None, bool]]]
        ] = []
        for sel in src.selections:
            s, e = model.to_index(sel.start), model.to_index(sel.end)
            span = lay.map_span(s, e) if s is not None and e is not None and s < e else None
            if span is None:
                if s is None or e is None:
                    why = f"{sel.start}–{sel.end} is past the end of the text or splits a character"
                else:
                    why = f"{sel.start}–{sel.end} covers no text"
                problems.append(why)
                self.counts["codings_skipped"] += len(sel.codings)
                continue
            gold = self.kvali and kvalimeta.is_gold(sel.description)
            rows = []
            for coding in sel.codings:
                cid = self.codes.get(coding.code)
                if cid is None or cid < 0:
                    problems.append(f"a coding refers to unknown code {coding.code or '(none)'}")
                    self.counts["codings_skipped"] += 1
                    continue
                coder = self.rp.users.get(coding.user or sel.user)
                if self.kvali and coder == kvalimeta.UNATTRIBUTED_USER:
                    coder = None  # kvali's stand-in for "no coder recorded"
                rows.append((cid, span[0], span[1], coder[:200] if coder else None, gold))
            planned.append((sel, span, rows))
        ids = add_codings(
            self.conn,
            self.sid,
            transcript_id=tid,
            spans=[r for _, _, rows in planned for r in rows],
        )
        self.counts["codings"] += len(ids)
        it = iter(ids)
        for sel, span, rows in planned:
            mine = [next(it) for _ in rows]
            first = mine[0] if mine else None
            if first is not None:
                self.codings[sel.guid] = first
            target = ("coding", first) if first else ("interview", iid)
            for ref in sel.note_refs:
                self.note_targets.setdefault(ref, target)
            gold = self.kvali and kvalimeta.is_gold(sel.description)
            if sel.description and not gold:
                quote = lay.text[span[0] : span[1]]
                title = "Comment" if first else f"Comment on «{quote[:60]}»"
                add_memo(self.conn, self.sid, text=sel.description, target_type=target[0],
                         target_id=target[1], title=title)  # fmt: skip
                self.counts["memos"] += 1
        if problems:
            shown = "; ".join(problems[:MAX_WARNINGS_PER_SOURCE])
            extra = len(problems) - MAX_WARNINGS_PER_SOURCE
            more = f" (and {extra} more)" if extra > 0 else ""
            self.warnings.append(
                f"{src.name}: {len(problems)} selections not imported: {shown}{more}"
            )

    # notes, sets, users -------------------------------------------------------------------------
    def import_users(self) -> None:
        names = [
            n
            for n in self.rp.users.values()
            if not (self.kvali and n == kvalimeta.UNATTRIBUTED_USER)
        ]
        for name in names:
            user_id(self.conn, name[:200], create=True)
        self.counts["coders"] = len(names)

    def import_notes(self) -> None:
        for ref in self.rp.project_note_refs:
            self.note_targets.setdefault(ref, ("study", self.sid))
        for note in self.rp.notes:
            if self.kvali and kvalimeta.consume_note(self.conn, self.sid, note, self.warnings):
                continue
            text = note.inline if note.inline is not None else note.plain
            if note.text_problem:
                self.warnings.append(f"note {note.name!r}: {note.text_problem}")
            text = (text or note.description or "").replace("\x00", "\ufffd").strip()
            if not text:
                self.warnings.append(f"note {note.name!r} has no text; not imported")
                continue
            kind, title = kvalimeta.memo_kind(note) if self.kvali else ("analytic", note.name)
            target_type, target_id = self.note_targets.get(note.guid, ("study", self.sid))
            self.memos[note.guid] = add_memo(
                self.conn,
                self.sid,
                text=text,
                target_type=target_type,
                target_id=target_id,
                kind=kind,
                title=title,
            )
            self.counts["memos"] += 1

    def import_kvali_sets(self) -> None:
        """Research questions and code levels of a kvali export (before notes: memos target them)."""
        if not self.kvali:
            return
        self.rp.sets = [
            s
            for s in self.rp.sets
            if not kvalimeta.consume_set(self.conn, self.sid, s, self.codes, self.note_targets)
        ]

    def import_sets(self) -> None:
        for s in self.rp.sets:
            members = {
                "codes": [self.codes[g] for g in s.codes if self.codes.get(g, -1) > 0],
                "interviews": [self.interviews[g] for g in s.sources if g in self.interviews],
                "memos": [self.memos[g] for g in s.notes if g in self.memos],
            }
            lost = len(s.codes) + len(s.sources) + len(s.notes) - sum(map(len, members.values()))
            if lost:
                self.warnings.append(f"set {s.name!r}: {lost} members refer to things not imported")
            sid = self.conn.execute(
                refi_sets.insert().values(
                    guid=new_guid(),
                    study_id=self.sid,
                    name=s.name or "Set",
                    description=s.description,
                    members=members,
                    created_at=now(),
                )
            ).inserted_primary_key[0]
            log_event(
                self.conn,
                study_id=self.sid,
                action="import",
                entity="refi_set",
                entity_id=sid,
                payload={k: len(v) for k, v in members.items()},
            )
            self.counts["sets_imported"] += 1


def run_import(
    conn: sa.Connection, rp: RProject, *, title: str
) -> tuple[int, Counter[str], list[str]]:
    """Import a read model (texts included) in dependency order; returns the study id, counts
    and warnings."""
    imp = Importer(conn, rp, title)
    imp.import_users()
    imp.import_codes(kvalimeta.code_levels(rp))
    imp.import_sources(imp.import_cases())
    imp.import_kvali_sets()
    imp.import_notes()
    imp.import_sets()
    return imp.sid, imp.counts, imp.warnings
