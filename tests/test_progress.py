"""Where a study stands per stage (studies.progress): counts and the state lines in en + nb."""

from __future__ import annotations

import sqlalchemy as sa

from kvali.codings.service import add_coding
from kvali.db import schema as t
from kvali.i18n import language
from kvali.studies.progress import STAGES, stage_counts, stage_progress
from kvali.transcripts.editing import mark_checked
from tests.helpers import mini_study


def test_stage_counts_follow_the_work(study, tmp_path):
    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        n = stage_counts(conn, sid)
        assert (n["interviews"], n["transcribed"], n["checked"], n["coded"]) == (2, 2, 0, 0)
        iv1 = conn.execute(
            sa.select(t.transcripts.c.interview_id).where(t.transcripts.c.id == ids["t1"])
        ).scalar_one()
        conn.execute(t.interviews.update().where(t.interviews.c.id == iv1).values(duration_s=60))
        mark_checked(conn, sid, iv1, 30_000)  # half way: not checked yet
        add_coding(conn, sid, transcript_id=ids["t1"], code="Tid", start=0, end=5, gold=True)
        n = stage_counts(conn, sid)
        assert (n["checked"], n["coded"], n["codings"], n["gold"]) == (0, 1, 1, 1)
        mark_checked(conn, sid, iv1, 58_000)  # within the slack of the end
        conn.execute(
            t.transcripts.update().where(t.transcripts.c.id == ids["t2"]).values(pseudonymized=True)
        )
        n = stage_counts(conn, sid)
        assert (n["checked"], n["pseudonymized"], n["participants"], n["codes"]) == (1, 1, 2, 6)
        with language("en"):
            en = stage_progress(conn, sid)
        with language("nb"):
            nb = stage_progress(conn, sid)
    assert list(en) == list(STAGES)
    assert "1 of 2 interviews checked" in en["data"]
    assert "pseudonymized: 1 of 2" in en["data"]
    assert "1 av 2 intervjuer kontrollert" in nb["data"]
    assert "pseudonymisert: 1 av 2" in nb["data"]
    assert "6 koder, 1 kodinger" in nb["coding"]
