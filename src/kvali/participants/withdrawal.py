"""Withdrawal («could withdraw without stating a reason»): erase every trace of a participant.

Database rows go in one transaction; files (audio, consent scans, cached exports, schema-upgrade
backups) are first moved aside and only deleted once the transaction has committed, then the
database is compacted so no deleted text survives in free pages, the WAL or the FTS index.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.accounts.principal import require
from kvali.db import schema as t
from kvali.errors import KvaliError
from kvali.events.service import log_event, redact_events
from kvali.participants.service import participant_id
from kvali.project import DB_FILE, Project
from kvali.semantic import forget_vectors
from kvali.transcripts.service import delete_turns
from kvali.util import now


def _project_file(project: Project, ref: str | None) -> Path | None:
    if not ref:
        return None
    p = Path(ref)
    p = p if p.is_absolute() else project.path / p
    try:
        p.resolve().relative_to(project.path.resolve())
    except ValueError:
        return None  # never delete files outside the project folder
    return p if p.exists() else None


def plan_withdrawal(
    conn: sa.Connection, project: Project, study_id: int, code: str
) -> dict[str, Any]:
    """What withdrawal would erase (shown for confirmation before anything is touched)."""
    pid = participant_id(conn, study_id, code)
    ip = t.interview_participants
    interviews = conn.execute(
        sa.select(t.interviews.c.id, t.interviews.c.label, t.interviews.c.audio_path)
        .join(ip, ip.c.interview_id == t.interviews.c.id)
        .where(ip.c.participant_id == pid)
    ).all()
    whole, shared = [], []
    for iv in interviews:
        others = conn.execute(
            sa.select(sa.func.count())
            .select_from(ip)
            .where(ip.c.interview_id == iv.id, ip.c.participant_id != pid)
        ).scalar()
        (shared if others else whole).append(iv)
    whole_ids = [iv.id for iv in whole]
    tr_ids = list(
        conn.execute(
            sa.select(t.transcripts.c.id).where(t.transcripts.c.interview_id.in_(whole_ids or [-1]))
        ).scalars()
    )
    turns_whole = conn.execute(
        sa.select(sa.func.count())
        .select_from(t.turns)
        .where(t.turns.c.transcript_id.in_(tr_ids or [-1]))
    ).scalar()
    turns_own = conn.execute(
        sa.select(sa.func.count())
        .select_from(t.turns)
        .where(t.turns.c.participant_id == pid, t.turns.c.transcript_id.not_in(tr_ids or [-1]))
    ).scalar()
    coding_ids = list(
        conn.execute(
            sa.select(t.codings.c.id).where(t.codings.c.transcript_id.in_(tr_ids or [-1]))
        ).scalars()
    )
    consent = conn.execute(
        sa.select(t.participants.c.consent_document).where(t.participants.c.id == pid)
    ).scalar()
    files = [f for f in (_project_file(project, iv.audio_path) for iv in whole) if f]
    consent_file = _project_file(project, consent)
    if consent_file:
        files.append(consent_file)
    if project.exports_dir.exists():
        files += sorted(p for p in project.exports_dir.rglob("*") if p.is_file())
    files += sorted(project.path.glob(f"{DB_FILE}.bak-*"))
    keys = (
        sorted(p for p in (project.path / "keys").glob("*") if p.is_file())
        if (project.path / "keys").is_dir()
        else []
    )
    return {
        "participant": code,
        "participant_id": pid,
        "interviews_deleted": [iv.label for iv in whole],
        "interviews_with_turns_removed": [iv.label for iv in shared],
        "interview_ids": whole_ids,
        "shared_interview_ids": [iv.id for iv in shared],
        "transcript_ids": tr_ids,
        "coding_ids": coding_ids,
        "turns": turns_whole + turns_own,
        "codings": len(coding_ids),
        "files": [str(f.relative_to(project.path)) for f in files],
        # Encrypted pseudonymization keys hold original words; they cannot be edited without the
        # passphrase, so withdrawal destroys them (only with the researcher's explicit consent).
        "key_files": [str(f.relative_to(project.path)) for f in keys],
    }


def withdraw_participant(
    project: Project, study_id: int, code: str, *, destroy_key: bool = False
) -> dict[str, Any]:
    """Erase the participant's interviews, turns, codings, memos, files and cached exports.

    A pseudonymization key (which holds original text, encrypted) is destroyed too; that must be
    asked for with ``destroy_key``, since it also ends re-identification for everyone else.
    """
    require("owner")
    with project.begin() as conn:
        keys = plan_withdrawal(conn, project, study_id, code)["key_files"]
    if keys and not destroy_key:
        raise KvaliError(
            "the pseudonymization key ({keys}) still holds this participant's original words and cannot be edited without its passphrase: withdraw with --destroy-key (the key is destroyed for the whole study)",
            keys=", ".join(keys),
        )
    trash = Path(tempfile.mkdtemp(prefix="kvali-withdraw-", dir=project.path))
    moved: list[tuple[Path, Path]] = []
    try:
        with project.begin() as conn:
            plan = plan_withdrawal(conn, project, study_id, code)
            pid = plan["participant_id"]
            m = t.memos
            memo_filters = [
                sa.and_(m.c.target_type == "participant", m.c.target_id == pid),
                sa.and_(
                    m.c.target_type == "interview", m.c.target_id.in_(plan["interview_ids"] or [-1])
                ),
                sa.and_(m.c.target_type == "coding", m.c.target_id.in_(plan["coding_ids"] or [-1])),
            ]
            memo_ids = list(conn.execute(sa.select(m.c.id).where(sa.or_(*memo_filters))).scalars())
            conn.execute(m.delete().where(m.c.id.in_(memo_ids or [-1])))
            removed_codings = 0
            for tid in conn.execute(
                sa.select(t.transcripts.c.id).where(
                    t.transcripts.c.interview_id.in_(plan["shared_interview_ids"] or [-1])
                )
            ).scalars():
                own = list(
                    conn.execute(
                        sa.select(t.turns.c.id).where(
                            t.turns.c.transcript_id == tid, t.turns.c.participant_id == pid
                        )
                    ).scalars()
                )
                removed_codings += delete_turns(conn, study_id, tid, own)["codings_removed"]
            # Deleting interviews cascades to transcripts, turns, codings and edit records.
            conn.execute(
                t.codings.update()
                .where(t.codings.c.id.in_(plan["coding_ids"] or [-1]))
                .values(derived_from_id=None)
            )
            conn.execute(
                t.interviews.delete().where(t.interviews.c.id.in_(plan["interview_ids"] or [-1]))
            )
            conn.execute(
                t.participant_attributes.delete().where(
                    t.participant_attributes.c.participant_id == pid
                )
            )
            conn.execute(
                t.participants.update()
                .where(t.participants.c.id == pid)
                .values(
                    consent_date=None,
                    consent_document=None,
                    member_check_status="not_offered",
                    member_check_comments=None,
                    member_check_at=None,
                    withdrawn_at=now(),
                )
            )
            redacted = sum(
                redact_events(conn, entity=entity, entity_ids=ids)
                for entity, ids in (
                    ("participant", [pid]),
                    ("interview", plan["interview_ids"]),
                    ("transcript", plan["transcript_ids"]),
                    ("coding", plan["coding_ids"]),
                    ("memo", memo_ids),
                )
            )
            for rel in plan["files"]:
                src = project.path / rel
                dst = trash / str(len(moved))
                shutil.move(str(src), dst)
                moved.append((src, dst))
            log_event(
                conn,
                study_id=study_id,
                action="withdraw",
                entity="participant",
                entity_id=pid,
                payload={
                    "interviews": len(plan["interview_ids"]),
                    "turns": plan["turns"],
                    "codings": plan["codings"] + removed_codings,
                    "memos": len(memo_ids),
                    "files": len(plan["files"]),
                },
            )
    except BaseException:
        for src, dst in moved:
            src.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(dst), src)
        shutil.rmtree(trash, ignore_errors=True)
        raise
    shutil.rmtree(trash, ignore_errors=True)
    for rel in keys:
        _destroy_key(project, study_id, project.path / rel)
    vectors = forget_vectors(project, plan["transcript_ids"])
    project.compact()
    return {
        "participant": code,
        "interviews_deleted": plan["interviews_deleted"],
        "interviews_with_turns_removed": plan["interviews_with_turns_removed"],
        "turns": plan["turns"],
        "codings": plan["codings"] + removed_codings,
        "memos": len(memo_ids),
        "events_redacted": redacted,
        "files": plan["files"],
        "vectors_erased": vectors,
        "keys_destroyed": keys,
    }


def _destroy_key(project: Project, study_id: int, path: Path) -> None:
    """Shred a key file (through kvali.privacy when installed, so its records stay consistent)."""
    try:
        from kvali.privacy.apply import destroy_key
    except ImportError:
        path.write_bytes(b"\0" * path.stat().st_size)
        path.unlink()
        return
    destroy_key(project, study_id, path)
