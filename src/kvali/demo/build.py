"""``kvali demo``: the seed thesis' study, built through the same services a researcher uses.

Data files in ``kvali/demo/data`` (study, guide, codebook, three Bokmål transcripts, codings in
two cycles) are fictional material written for kvali in the shape of the thesis' study.
"""

from __future__ import annotations

import csv
import importlib.util
import shutil
import time
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kvali.codes.io import import_codebook
from kvali.codes.service import code_id, merge_codes, rename_code
from kvali.codings.cycles import start_cycle
from kvali.codings.service import code_quote
from kvali.errors import CheckUnavailable, KvaliError
from kvali.events.service import set_actor
from kvali.guides.service import replace_guide
from kvali.i18n import _
from kvali.interviews.service import add_interview
from kvali.memos.service import add_memo
from kvali.participants.service import add_participant, record_member_check
from kvali.project import Project
from kvali.studies.service import (
    add_research_question,
    create_study,
    default_study_id,
    link_theme,
)
from kvali.transcripts.service import import_transcript

DATA = resources.files("kvali.demo") / "data"


def _yaml(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def _date(v: Any) -> date | None:
    return v if isinstance(v, date) or v is None else date.fromisoformat(str(v))


def _render_requested_quotes(project: Project, study: dict[str, Any]) -> str | None:
    """Where a participant's member check asked for it (``render_quotes``), their gold quotes
    get a published rendering in Bokmål: every suggestion of the quote check accepted, by the
    researcher who did the member check. The transcripts keep what was said."""
    from kvali.quotes.render import accept_all, list_quotes

    asked = {
        iv["label"]
        for p in study["participants"]
        if (p.get("member_check") or {}).get("render_quotes")
        for iv in study["interviews"]
        if iv["participant"] == p["code"]
    }
    if not asked:
        return None
    set_actor(study.get("interviewers", ["Forsker A"])[0])
    try:
        with project.begin() as conn:
            sid = default_study_id(conn)
            for q in list_quotes(conn, sid, gold_only=True):
                if q["interview"] in asked and q["flags"]:
                    accept_all(conn, sid, q["coding_id"])
    except CheckUnavailable as exc:  # no dictionary here: the quotes stay as said, and we say so
        return _("the Bokmål renderings of the quotes were skipped: {why}", why=exc)
    finally:
        set_actor(None)
    return None


def populate_demo(project: Project) -> dict[str, Any]:
    """Fill an empty project with the demo study; one transaction per step of the thesis."""
    study = _yaml("study.yaml")
    codings = list(csv.DictReader((DATA / "codings.csv").read_text(encoding="utf-8").splitlines()))
    cycles = _yaml("cycles.yaml")["cycles"]
    with project.begin() as conn:
        sid = create_study(
            conn,
            title=study["title"],
            problem_statement=study["problem_statement"],
            language=study.get("language", "nb"),
        )
        for rq in study["research_questions"]:
            add_research_question(conn, sid, text=rq["text"])
        replace_guide(conn, sid, _yaml("guide.yaml"))
        for p in study["participants"]:
            add_participant(
                conn,
                sid,
                code=p["code"],
                attributes=p.get("attributes") or {},
                consent_date=_date(p.get("consent_date")),
                consent_document=p.get("consent_document"),
            )
            mc = p.get("member_check") or {}
            if mc.get("status"):
                record_member_check(
                    conn, sid, p["code"], status=mc["status"], comments=mc.get("comments")
                )
    with project.begin() as conn:
        for iv in study["interviews"]:
            add_interview(
                conn,
                sid,
                label=iv["label"],
                participants=[iv["participant"]],
                interviewers=iv.get("interviewers") or study.get("interviewers", []),
                date=_date(iv.get("date")),
                mode=iv["mode"],
                duration_s=int(iv["duration_min"]) * 60 if iv.get("duration_min") else None,
            )
            with resources.as_file(DATA / iv["transcript"]) as path:
                import_transcript(
                    conn, sid, iv["label"], path, language=study.get("language", "nb")
                )
    with project.begin() as conn:
        import_codebook(conn, sid, _yaml("codebook.yaml"))
        for i, rq in enumerate(study["research_questions"], start=1):
            for theme in rq.get("themes") or []:
                link_theme(conn, sid, question=i, code_id=code_id(conn, sid, theme))
    for cyc in cycles:
        number = int(cyc["number"])
        with project.begin() as conn:
            if number > 1:
                start_cycle(conn, sid, name=cyc.get("name", ""))
            else:
                from kvali.codings.cycles import current_cycle_id
                from kvali.db.schema import cycles as cycles_table

                cid = current_cycle_id(conn, sid)
                conn.execute(
                    cycles_table.update()
                    .where(cycles_table.c.id == cid)
                    .values(name=cyc.get("name", ""))
                )
            for change in cyc.get("changes") or []:
                if "rename" in change:
                    rename_code(conn, sid, change["rename"], change["to"])
                elif "merge" in change:
                    merge_codes(
                        conn,
                        sid,
                        [c for c in change["merge"] if c != change["into"]],
                        change["into"],
                    )
            for row in codings:
                if int(row["cycle"]) != number:
                    continue
                set_actor(row.get("coder") or None)
                code_quote(
                    conn,
                    sid,
                    interview=row["interview"],
                    code=row["code"],
                    quote=row["quote"],
                    coder=row.get("coder") or None,
                    gold=row.get("gold", "").lower() == "true",
                )
            set_actor(None)
    skipped = _render_requested_quotes(project, study)
    with project.begin() as conn:
        from kvali.interviews.service import interview_id

        for iv in study["interviews"]:
            for text in iv.get("findings") or []:
                add_memo(
                    conn,
                    sid,
                    text=text,
                    target_type="interview",
                    target_id=interview_id(conn, sid, iv["label"]),
                    kind="analytic",
                    title="Hovedfunn",
                )
        for i, rq in enumerate(study["research_questions"], start=1):
            if rq.get("condensed_meaning"):
                from kvali.studies.service import research_question_id

                add_memo(
                    conn,
                    sid,
                    text=rq["condensed_meaning"],
                    target_type="research_question",
                    target_id=research_question_id(conn, sid, i),
                    kind="condensation",
                )
        for m in study.get("memos") or []:
            kind, _, ref = str(m.get("target", "study")).partition(":")
            target_id = None
            if kind == "interview":
                from kvali.interviews.service import interview_id

                target_id = interview_id(conn, sid, ref)
            elif kind == "code":
                target_id = code_id(conn, sid, ref)
            add_memo(
                conn,
                sid,
                text=m["text"],
                title=m.get("title", ""),
                kind=m.get("kind", "analytic"),
                target_type=kind or "study",
                target_id=target_id,
            )
    return {"study_id": sid, "renderings_skipped": skipped}


def _demo_audio(project: Project) -> dict[str, Any]:
    """Transcribe the shipped recording of Intervju 1 and align it, where speech support is
    installed; otherwise say why not."""
    if importlib.util.find_spec("kvali.pipelines.demo_audio") is None:
        return {"status": "skipped", "reason": "speech support is not part of this install"}
    from kvali.pipelines.demo_audio import add_demo_audio, summary

    result = add_demo_audio(project)
    if result.get("status") == "ok":
        result["summary"] = summary(result)
    return result


def create_demo(
    directory: str | Path,
    *,
    lang: str = "nb",
    force: bool = False,
    database_url: str | None = None,
    audio: bool = True,
    progress: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Create the demo project folder, populate it and write every report."""
    from kvali.reports.service import write_study_reports

    t0 = time.perf_counter()
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        if not force:
            raise KvaliError(
                "{directory} exists and is not empty (use --force to replace it)",
                directory=directory,
            )
        if not (directory / "kvali.db").exists():
            raise KvaliError(
                "refusing to delete {directory}: it is not a kvali project", directory=directory
            )
        shutil.rmtree(directory)
    progress("creating project")
    project = Project.init(directory, database_url=database_url)
    progress("study, guide, participants, interviews, transcripts, codebook, two coding cycles")
    populated = populate_demo(project)
    if populated.get("renderings_skipped"):
        progress(populated["renderings_skipped"])
    if importlib.util.find_spec("kvali.analysis.demo") is not None:
        progress("second coder on Intervju 1, agreement, Irgens' framework matrix, guide coverage")
        from kvali.analysis.demo import add_demo_analysis

        add_demo_analysis(project)
    recording: dict[str, Any] = {"status": "skipped", "reason": "--no-audio"}
    if audio:
        progress(
            _(
                "the recording of Intervju 1 (its first turns), transcribed on this machine and aligned to the written transcript"
            )
        )
        recording = _demo_audio(project)
        progress(
            recording.get("summary")
            or _("skipped the recording: {reason}", reason=recording["reason"])
        )
    progress("writing reports")
    reports = write_study_reports(project, lang=lang)
    project.close()
    return {
        "project": str(directory),
        "reports": [str(p) for p in reports],
        "recording": recording,
        "seconds": time.perf_counter() - t0,
    }
