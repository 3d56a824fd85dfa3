"""Apply pseudonymization: a new version of each transcript, originals into the key file.

Order matters for privacy and for safety: the new key file is written (encrypted) beside the old
one first, the database transaction then replaces the names (codings move with the text through
``edit_text``), nulls every original in the privacy tables and commits; only then is the new key
put in place. Cached exports and schema backups (which hold the originals) are deleted and the
database compacted, so no original survives in the working folder outside the key.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.accounts.principal import require
from kvali.db import schema as t
from kvali.errors import InputError, NotFoundError
from kvali.events.service import log_event
from kvali.privacy import replace as rp
from kvali.privacy import vault
from kvali.privacy.tables import privacy_entities as E
from kvali.privacy.tables import privacy_suggestions as S
from kvali.privacy.tables import privacy_terms as T
from kvali.project import DB_FILE, Project
from kvali.semantic import forget_vectors
from kvali.transcripts.offsets import Edit
from kvali.transcripts.service import edit_text, get_turns, set_speaker
from kvali.util import now


def _study_key(conn: sa.Connection, study_id: int) -> str:
    return conn.execute(sa.select(t.studies.c.guid).where(t.studies.c.id == study_id)).scalar()


def _assign(
    conn: sa.Connection, study_id: int, style: str, known: dict[str, dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """Give every live entity its replacement: reused from the key when the name was seen
    before, else numbered per tag and made in the chosen style."""
    rows = [dict(r) for r in conn.execute(sa.select(E).where(E.c.study_id == study_id)).mappings()]
    counters: dict[str, int] = {}
    for r in rows:
        if r["number"]:
            tag = rp.tag(r["label"], r["kind"], 0)
            counters[tag] = max(counters.get(tag, 0), r["number"])
    for k in known.values():
        tag = rp.tag(k["label"], k["kind"], 0)
        counters[tag] = max(counters.get(tag, 0), k.get("number") or 0)
    taken = {r["text"] for r in rows if r["text"]} | {k["original"] for k in known.values()}
    used = {r["replacement"] for r in rows if r["replacement"]}
    used |= {k["replacement"] for k in known.values()}
    out: dict[int, dict[str, Any]] = {}
    # Full names first, so that «Kari» alone can follow «Kari Berg» (one person, one stand-in).
    fulls: dict[str, list[dict[str, Any]]] = {}
    for k in known.values():
        _index_full(fulls, k["label"], k["original"], k["number"], k["replacement"])
    rows.sort(key=lambda r: -len((r["text"] or "").split()))
    for r in rows:
        if r["applied"] or r["status"] == "rejected" or r["text"] is None:
            continue
        prior = known.get(r["norm"])
        alias = _alias(fulls, r, style) if not prior else None
        if prior:
            number, value = prior["number"], prior["replacement"]
        elif alias:
            number, value = alias
        else:
            tag = rp.tag(r["label"], r["kind"], 0)
            number = counters[tag] = counters.get(tag, 0) + 1
            if style == "thesis":
                value = rp.thesis(r["category"])
            elif style == "tags":
                value = rp.tag(r["label"], r["kind"], number)
            else:
                value = rp.pseudonym(
                    r["label"], r["kind"], r["text"], number, taken | used, r["category"]
                )
            used.add(value)
        out[r["id"]] = {**r, "number": number, "replacement": value}
        _index_full(fulls, r["label"], r["text"], number, value)
    return out


def _piece(entity: dict[str, Any], piece: str) -> str:
    """«Marte» | «Aas» split across two turns: each piece gets its own part of a pseudonym
    («Vilde» | «Ulvestad»); tags and thesis labels are repeated."""
    words, reps = (entity["norm"] or "").split(), entity["replacement"].split()
    parts = piece.casefold().split()
    if len(words) > 1 and len(reps) == len(words) and parts and parts != words:
        for i in range(len(words) - len(parts) + 1):
            if words[i : i + len(parts)] == parts:
                return " ".join(reps[i : i + len(parts)])
    return entity["replacement"]


def _index_full(
    fulls: dict[str, list[dict[str, Any]]], label: str, text: str, number: int, value: str
) -> None:
    words = text.split()
    if label == "PER" and len(words) > 1:
        for pos in (0, len(words) - 1):
            entry = {"pos": pos, "n": len(words), "number": number, "replacement": value}
            fulls.setdefault(words[pos].casefold(), []).append(entry)


def _alias(
    fulls: dict[str, list[dict[str, Any]]], r: dict[str, Any], style: str
) -> tuple[int, str] | None:
    """A one-word person name that is the first or last name of exactly one full name."""
    if r["label"] != "PER" or len(r["text"].split()) != 1:
        return None
    matches = fulls.get(r["text"].casefold(), [])
    if len({m["replacement"] for m in matches}) != 1:
        return None
    m = matches[0]
    parts = m["replacement"].split()
    if style == "pseudonyms" and len(parts) == m["n"]:
        return m["number"], parts[m["pos"]]
    return m["number"], m["replacement"]


def _edits(spans: list[tuple[int, int, str]]) -> list[Edit]:
    """Non-overlapping edits: a span inside an earlier one is dropped, a partial overlap joins."""
    out: list[Edit] = []
    for s, e, new in sorted(spans):
        if out and s < out[-1].end:
            if e > out[-1].end:
                out[-1] = Edit(out[-1].start, e, out[-1].new)
            continue
        out.append(Edit(s, e, new))
    return out


def apply_pseudonymization(
    project: Project,
    study_id: int,
    *,
    style: str,
    passphrase: str,
    key_path: Path | None = None,
    min_score: float = 0.5,
) -> dict[str, Any]:
    """Replace every accepted suggestion and every pending one scoring at least ``min_score``
    (recall first: an unreviewed likely name is masked; only rejections keep text as it is)."""
    require("owner")
    if style not in rp.STYLES:
        raise InputError("style must be one of {styles}", styles=", ".join(rp.STYLES))
    path = key_path or vault.default_path(project.path)
    key = vault.load(path, passphrase)  # wrong passphrase fails here, before any change
    tmp: Path | None = None
    try:
        with project.begin() as conn:
            sk = _study_key(conn, study_id)
            entry = key["studies"].setdefault(
                sk, {"entities": [], "transcripts": [], "terms": [], "rejected": []}
            )
            known = {e["norm"]: e for e in entry["entities"]}
            assigned = _assign(conn, study_id, style, known)
            sugg = conn.execute(
                sa.select(S.c.transcript_id, S.c.start_char, S.c.end_char, S.c.entity_id, S.c.text)
                .join(E, E.c.id == S.c.entity_id)
                .where(
                    E.c.study_id == study_id,
                    sa.or_(
                        S.c.status == "accepted",
                        sa.and_(S.c.status == "pending", S.c.score >= min_score),
                    ),
                )
            ).all()
            per_tr: dict[int, list[tuple[int, int, str]]] = {}
            for tid, s, e, eid, piece in sugg:
                if eid in assigned:
                    new = _piece(assigned[eid], piece or "")
                    per_tr.setdefault(tid, []).append((s, e, new))
            # Only names actually replaced go into the key; the rest were never masked.
            assigned = {k: v for k, v in assigned.items() if k in {x[3] for x in sugg}}
            speakers = {
                a["norm"]: a["replacement"] for a in assigned.values() if a["label"] == "PER"
            } | {k: v["replacement"] for k, v in known.items() if v["label"] == "PER"}
            result = {"transcripts": 0, "replacements": 0, "codings_moved": 0, "removed": 0}
            for tid, spans in sorted(per_tr.items()):
                turns = get_turns(conn, tid)
                guid = conn.execute(
                    sa.select(t.transcripts.c.guid).where(t.transcripts.c.id == tid)
                ).scalar()
                entry["transcripts"].append(
                    {
                        "transcript": guid,
                        "at": now().isoformat(),
                        "turns": [
                            {"position": x["position"], "speaker": x["speaker"], "text": x["text"]}
                            for x in turns
                        ],
                    }
                )
                edits = _edits(spans)
                r = edit_text(conn, study_id, tid, edits, reason="pseudonymization")
                for label in {x["speaker"] for x in turns}:
                    new = speakers.get(" ".join(label.casefold().split()))
                    if new:
                        set_speaker(conn, study_id, tid, speaker=label, new_name=new)
                conn.execute(
                    t.transcripts.update()
                    .where(t.transcripts.c.id == tid)
                    .values(pseudonymized=True)
                )
                result["transcripts"] += 1
                result["replacements"] += len(edits)
                result["codings_moved"] += r["codings_moved"]
                result["removed"] += r["codings_removed"]
            result["speakers"] = _neutral_speakers(conn, study_id, speakers, entry)
            result["memos"] = _memos(conn, study_id, assigned, entry)
            for a in assigned.values():
                entry["entities"].append(
                    {
                        "id": a["id"],
                        "label": a["label"],
                        "kind": a["kind"],
                        "category": a["category"],
                        "original": a["text"],
                        "norm": a["norm"],
                        "number": a["number"],
                        "replacement": a["replacement"],
                    }
                )
                conn.execute(
                    E.update()
                    .where(E.c.id == a["id"])
                    .values(replacement=a["replacement"], number=a["number"], applied=True)
                )
            entry["rejected"] += [
                n
                for (n,) in conn.execute(
                    sa.select(E.c.norm).where(
                        E.c.study_id == study_id, E.c.status == "rejected", E.c.norm.is_not(None)
                    )
                )
            ]
            entry["terms"] += [
                {"term": r.term, "label": r.label, "category": r.category}
                for r in conn.execute(sa.select(T).where(T.c.study_id == study_id))
            ]
            # The originals leave the working database.
            study_entities = sa.select(E.c.id).where(E.c.study_id == study_id)
            conn.execute(S.delete().where(S.c.entity_id.in_(study_entities)))
            conn.execute(T.delete().where(T.c.study_id == study_id))
            conn.execute(
                E.delete().where(
                    E.c.study_id == study_id,
                    E.c.applied.is_(False),
                    E.c.id.not_in(list(assigned) or [-1]),
                )
            )
            conn.execute(
                E.update()
                .where(E.c.study_id == study_id)
                .values(text=None, norm=None, applied=True)
            )
            tmp = vault.save_temp(path, key, passphrase)
            log_event(
                conn,
                study_id=study_id,
                action="pseudonymize",
                entity="study",
                entity_id=study_id,
                payload={"style": style, **result},
            )
        vault.commit(tmp, path)
    except BaseException:
        if tmp is not None and tmp.exists():
            tmp.unlink()
        raise
    result["key_file"] = str(path)
    result["deleted_files"] = _purge_copies(project)
    with project.begin() as conn:
        tids = list(conn.execute(
            sa.select(t.transcripts.c.id)
            .join(t.interviews, t.interviews.c.id == t.transcripts.c.interview_id)
            .where(t.interviews.c.study_id == study_id)
        ).scalars())  # fmt: skip
    result["vectors_erased"] = forget_vectors(project, tids)  # re-embedded from the new text later
    _compact(project)
    return result


def _neutral_speakers(
    conn: sa.Connection, study_id: int, replaced: dict[str, str], entry: dict[str, Any]
) -> int:
    """Speaker labels that are names («Kari:») but never occur in the spoken text are not caught
    by the text's suggestions; give them a neutral label (the participant's code, or
    «Intervjuer N») in every transcript, and keep the original only in the key."""
    from kvali.privacy.detect import _gazetteer_name

    iv, tr, tu, p = t.interviews, t.transcripts, t.turns, t.participants
    rows = conn.execute(
        sa.select(tr.c.id, tr.c.guid, tu.c.speaker, tu.c.role, p.c.code)
        .join(iv, iv.c.id == tr.c.interview_id)
        .join(tu, tu.c.transcript_id == tr.c.id)
        .outerjoin(p, p.c.id == tu.c.participant_id)
        .where(iv.c.study_id == study_id)
        .distinct()
    ).all()
    interviewers: dict[str, str] = {}
    renamed = 0
    for tid, guid, label, role, code in rows:
        words = [w.strip(".,:;()") for w in label.split()]
        if " ".join(label.casefold().split()) in replaced or not any(
            w[:1].isupper() and _gazetteer_name(w) for w in words
        ):
            continue
        if role == "participant" and code:
            new = code
        elif role == "interviewer":
            new = interviewers.setdefault(label, f"Intervjuer {len(interviewers) + 1}")
        else:
            new = f"Taler {renamed + 1}"
        try:
            set_speaker(conn, study_id, tid, speaker=label, new_name=new)
        except NotFoundError:  # the same label under another role, renamed a row ago
            continue
        entry.setdefault("speakers", []).append(
            {"transcript": guid, "original": label, "replacement": new}
        )
        renamed += 1
    return renamed


def _compact(project: Project) -> None:
    """``Project.compact`` plus, on PostgreSQL, the privacy tables' dead rows."""
    project.compact()
    if not project.is_sqlite:
        with project.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("privacy_suggestions", "privacy_entities", "privacy_terms"):
                conn.exec_driver_sql(f"VACUUM {table}")


def _memos(
    conn: sa.Connection, study_id: int, assigned: dict[int, dict[str, Any]], entry: dict
) -> int:
    """Memos and findings quote names too: replace whole-word occurrences, originals to the key."""
    pairs = sorted(
        ((a["text"], a["replacement"]) for a in assigned.values() if a["kind"] == "name"),
        key=lambda p: -len(p[0]),
    )
    if not pairs:
        return 0
    pat = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(o) for o, _ in pairs) + r")(?!\w)", re.IGNORECASE
    )
    lookup = {o.casefold(): r for o, r in pairs}
    n = 0
    m = t.memos
    for mid, title, text in conn.execute(
        sa.select(m.c.id, m.c.title, m.c.text).where(m.c.study_id == study_id)
    ).all():
        new_title = pat.sub(lambda x: lookup[x.group(0).casefold()], title)
        new_text = pat.sub(lambda x: lookup[x.group(0).casefold()], text)
        if (new_title, new_text) != (title, text):
            entry.setdefault("memos", []).append({"memo": mid, "title": title, "text": text})
            conn.execute(m.update().where(m.c.id == mid).values(title=new_title, text=new_text))
            n += 1
    return n


def _purge_copies(project: Project) -> list[str]:
    """Cached exports and schema backups still hold the originals: delete them."""
    gone = []
    if project.exports_dir.exists():
        for p in sorted(project.exports_dir.rglob("*")):
            if p.is_file():
                gone.append(str(p.relative_to(project.path)))
        shutil.rmtree(project.exports_dir)
        project.exports_dir.mkdir()
    for p in sorted(project.path.glob(f"{DB_FILE}.bak-*")):
        gone.append(p.name)
        p.unlink()
    return gone


def known_terms(project: Project, passphrase: str, key_path: Path | None = None) -> list[dict]:
    """Study lists moved into the key by an earlier apply (for detection in new transcripts)."""
    require("owner")
    key = vault.load(key_path or vault.default_path(project.path), passphrase)
    return [term for s in key["studies"].values() for term in s.get("terms", [])]


def show_key(
    project: Project, study_id: int, passphrase: str, key_path: Path | None = None
) -> list[dict[str, Any]]:
    """The key (original ↔ replacement), for the researcher's eyes only."""
    require("owner")
    key = vault.load(key_path or vault.default_path(project.path), passphrase)
    with project.begin() as conn:
        sk = _study_key(conn, study_id)
    entities = key["studies"].get(sk, {}).get("entities", [])
    return [
        {k: e[k] for k in ("id", "label", "category", "original", "replacement")} for e in entities
    ]


def destroy_key(project: Project, study_id: int, key_path: Path | None = None) -> bool:
    """Destroy the key for good: after this the originals cannot be recovered by anyone."""
    require("owner")
    found = vault.destroy(key_path or vault.default_path(project.path))
    with project.begin() as conn:
        log_event(conn, study_id=study_id, action="destroy", entity="privacy_key", payload={})
    _compact(project)
    return found
