"""Member check: the participant reads their own transcript (DOCX) and their verdict is recorded."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.events.service import log_event
from kvali.i18n import in_lang
from kvali.participants.service import participant_id
from kvali.project import Project
from kvali.transcripts.service import get_turns


def export_member_check(
    project: Project, study_id: int, code: str, *, out: str | Path | None = None, lang: str = "nb"
) -> list[Path]:
    """Write one DOCX per interview of the participant; marks the member check as sent."""
    from kvali.interop.transcripts import write_transcript_docx

    written = []
    with project.begin() as conn:
        pid = participant_id(conn, study_id, code)
        ip = t.interview_participants
        rows = conn.execute(
            sa.select(t.interviews.c.label, t.interviews.c.date, t.transcripts.c.id)
            .join(ip, ip.c.interview_id == t.interviews.c.id)
            .join(t.transcripts, t.transcripts.c.interview_id == t.interviews.c.id)
            .where(ip.c.participant_id == pid)
            .order_by(t.interviews.c.id)
        ).all()
        out_dir = Path(out) if out else project.exports_dir / "member-check"
        out_dir.mkdir(parents=True, exist_ok=True)
        title = in_lang(lang, "Transcript check")
        for label, date, tid in rows:
            turns = [
                {"speaker": r["speaker"], "text": r["text"], "start_ms": r["start_ms"]}
                for r in get_turns(conn, tid)
            ]
            path = out_dir / f"{code}-{label}.docx".replace(" ", "_").replace("/", "_")
            write_transcript_docx(
                path,
                title=title,
                subtitle=f"{label} · {code}" + (f" · {date.isoformat()}" if date else ""),
                turns=turns,
                lang=lang,
            )
            written.append(path)
        if rows:
            conn.execute(
                t.participants.update()
                .where(
                    t.participants.c.id == pid,
                    t.participants.c.member_check_status == "not_offered",
                )
                .values(member_check_status="sent")
            )
            log_event(
                conn,
                study_id=study_id,
                action="member_check_export",
                entity="participant",
                entity_id=pid,
                payload={"files": len(written)},
            )
    return written
