"""CLI: transcribe recordings locally, import diarization, talk statistics, jobs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from kvali.cli.base import Ctx, emit_json, json_option, pass_ctx, table
from kvali.i18n import _


@click.command()
@click.argument("interview")
@click.option(
    "--audio",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Recording (wav, mp3, m4a, mp4, ogg, webm); copied into the project's media/.",
)
@click.option(
    "--model",
    default=None,
    help="A model folder (always wins), bundled:tiny.en, bundled:base, a fetched model "
    "(kvali models), or a hub id (with --allow-download). Default: bundled:tiny.en for "
    "English; for Norwegian the largest NB-Whisper fetched, else bundled:base; else bundled:base.",
)
@click.option("--language", default=None, help="no, nb, nn, en, … (default: the study's).")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option("--speakers", type=int, default=None, help="Number of speakers (default: estimate).")
@click.option(
    "--allow-download",
    is_flag=True,
    envvar="KVALI_ALLOW_DOWNLOAD",
    help="Let a hub id be downloaded (the only network access kvali makes).",
)
@click.option("--replace", is_flag=True, help="Replace an uncoded transcript.")
@click.option(
    "--batched",
    is_flag=True,
    envvar="KVALI_BATCHED",
    help="Decode several 30-second stretches at once (faster-whisper's batched pipeline): "
    "faster where measured (docs/benchmarks.md), without the temperature fallback; "
    "gaps are marked the same way.",
)
@click.option(
    "--window",
    "window_s",
    type=float,
    default=300,
    show_default=True,
    help="Seconds per checkpointed window.",
)
@click.option(
    "--align",
    is_flag=True,
    help="Keep the transcript already there and give its words and turns the recording's "
    "times (the machine text and the alignment quality are kept and shown).",
)
@click.option(
    "--turns",
    "turn_range",
    default=None,
    metavar="FIRST-LAST",
    help="With --align: the written turns the recording covers (1-based, e.g. 1-5).",
)
@click.option(
    "--here",
    is_flag=True,
    help="On a PostgreSQL project: run the job in this process instead of on a worker.",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="On a PostgreSQL project: queue the job for a worker and return at once.",
)
@json_option
@pass_ctx
def transcribe(
    obj: Ctx,
    interview: str,
    audio: Path | None,
    model: str | None,
    language: str | None,
    device: str,
    speakers: int | None,
    allow_download: bool,
    replace: bool,
    batched: bool,
    window_s: float,
    align: bool,
    turn_range: str | None,
    here: bool,
    no_wait: bool,
    as_json: bool,
) -> None:
    """Transcribe INTERVIEW's recording; a killed run resumes where it stopped.

    On SQLite it runs in this process; on PostgreSQL it is queued for a `kvali worker` (any
    machine that reaches the database and the project folder) and followed here.
    With --align the written transcript stays as it is and gets the recording's times."""
    from kvali.interviews.media import store_media
    from kvali.interviews.service import get_interview, update_interview
    from kvali.jobs import distributed
    from kvali.jobs.service import enqueue, find_unfinished, run_job
    from kvali.studies.service import get_study

    project = obj.project
    queued = distributed.uses_queue(project) and not here
    if queued and not no_wait and not distributed.await_worker(project):
        # Waiting for a worker that nobody started would wait for ever: do the work here.
        queued = False
        if not as_json:
            click.echo(
                _(
                    "no kvali worker is running on this database: transcribing here "
                    "(start one with kvali worker to share the work, or use --no-wait to queue)"
                ),
                err=True,
            )
    with project.begin() as conn:
        sid = obj.study_id(conn)
        iv = get_interview(conn, sid, interview)
        if audio is not None:
            update_interview(conn, sid, iv["id"], audio_path=store_media(project, audio))
        lang = language or get_study(conn, sid).get("language") or "nb"
        params: dict[str, Any] = {
            "interview": iv["label"],
            "model": model,
            "language": lang,
            "device": device,
            "speakers": speakers,
            "allow_download": allow_download,
            "replace": replace,
            "window_s": window_s,
        }
        if batched:
            params["batched"] = True
        if align:
            params |= {"align": True, "speakers": 1, "align_turns": _turn_range(turn_range)}
        jid = find_unfinished(conn, "transcribe", {"interview": iv["label"]}, study_id=sid)
        tried = 0  # attempts before this command: their failures are not this run's
        if jid is None and queued:
            jid = distributed.enqueue(project, conn, "transcribe", params, study_id=sid)
        elif jid is None:
            jid = enqueue(conn, "transcribe", params, study_id=sid)
        else:
            if queued:
                tried = distributed.requeue(project, conn, jid)
            if not as_json:
                click.echo(_("resuming job {job}", job=jid), err=True)
    if queued and no_wait:
        if as_json:
            emit_json({"job_id": jid, "queued": True})
        else:
            click.echo(
                _("job {job} is queued for a worker; follow it with: kvali job list", job=jid)
            )
        return

    def follow(project: Any, jid: int, progress: Any = None) -> dict[str, Any]:
        return distributed.wait_for(project, jid, progress=progress, after_attempt=tried)

    runner = follow if queued else run_job
    if queued:
        if not as_json:
            click.echo(
                _(
                    "job {job} is on the queue {queue!r}; waiting for a worker (kvali worker). "
                    "Ctrl-C stops the waiting, not the job.",
                    job=jid,
                    queue=distributed.queue_of("transcribe"),
                ),
                err=True,
            )
    try:
        result = _run_with_bar(project, jid, runner, quiet=as_json)
    except KeyboardInterrupt:
        if not queued:
            raise
        click.echo(
            _("job {job} stays on the queue; follow it with: kvali job list", job=jid), err=True
        )
        sys.exit(130)
    if as_json:
        emit_json(result | {"job_id": jid})
        return
    if result.get("model"):
        click.echo(result["model"]["reason"])
    if "aligned" in result:
        click.echo(alignment_summary(result["aligned"]))
    else:
        click.echo(
            _(
                "{turns} turns from {seconds} s of audio; speakers: {speakers} (rename: kvali transcript speaker …)",
                turns=result["turns"],
                seconds=result["duration_ms"] // 1000,
                speakers=", ".join(result["speakers"]),
            )
        )
    click.echo(speech_summary(result))


def speech_summary(result: dict[str, Any]) -> str:
    """The last line of a transcription: how much speech became text, and where it did not."""
    from kvali.util import format_ms

    gaps = result.get("gaps") or []
    if result.get("speech_s") is None:
        return _("{gap} s of speech in gaps ({n})", gap=result.get("gap_s", 0), n=len(gaps))
    line = _(
        "speech: {speech} s heard, {done} s transcribed, {gap} s in gaps ({n})",
        speech=result["speech_s"],
        done=result["transcribed_s"],
        gap=result["gap_s"],
        n=len(gaps),
    )
    if gaps:
        spans = ", ".join(f"{format_ms(g['start_ms'])}–{format_ms(g['end_ms'])}" for g in gaps)
        line += "\n" + _(
            "marked [unclear …] in the transcript at {spans}: listen and type over them",
            spans=spans,
        )
    return line


def _turn_range(text: str | None) -> list[int] | None:
    if not text:
        return None
    from kvali.i18n import _

    first, _sep, last = text.partition("-")
    try:
        return [int(first), int(last or first)]
    except ValueError:
        raise click.BadParameter(_("{text!r} is not FIRST-LAST (e.g. 1-5)", text=text)) from None


def alignment_summary(q: dict[str, Any]) -> str:
    """One honest paragraph: how much of the written text the machine words could be tied to."""
    from kvali.i18n import _

    lo, hi = q["turns"]
    return _("turns {lo}–{hi}: {timed} of {n} timed from the recording; {matched} of {words} written words matched ({coverage:.0%}: {exact} exact, {near} near); the machine text's word error rate against the written one is {wer:.2f}. Unmatched words and untimed turns keep the times they had.", lo=lo, hi=hi, timed=q["turns_timed"], n=q["turns_in_range"],
             matched=q["matched_words"], words=q["reference_words"], coverage=q["coverage"],
             exact=q["exact_matches"], near=q["near_matches"], wer=q["wer"])  # fmt: skip


@click.command()
@click.argument("interview")
@json_option
@pass_ctx
def alignment(obj: Ctx, interview: str, as_json: bool) -> None:
    """What the last `transcribe --align` of INTERVIEW recorded: quality, model, machine text."""
    from kvali.i18n import _
    from kvali.pipelines.stt.align import alignment_of

    with obj.project.begin() as conn:
        found = alignment_of(conn, obj.study_id(conn), interview)
    if as_json:
        emit_json(found)
        return
    if not found:
        click.echo(_("{interview}: not aligned to a recording", interview=interview))
        return
    model = found.get("transcription") or {}
    click.echo(alignment_summary(found))
    click.echo(_("model: {model} (sha256 {sha}…), aligned {at}", model=model.get("model_name") or model.get("model"),
                 sha=str(model.get("model_sha256"))[:12], at=found["aligned_at"]))  # fmt: skip
    click.echo(_("machine text: {text}", text=found["machine_text"]))


def _run_with_bar(project: Any, jid: int, run_job: Any, *, quiet: bool) -> dict[str, Any]:
    if quiet:
        return run_job(project, jid)
    state = {"shown": 0, "eta": None}
    with click.progressbar(
        length=1000,
        label="transcribing",
        show_eta=False,
        item_show_func=lambda _: (
            f"{_fmt(state['eta'])} left" if state["eta"] is not None else "estimating…"
        ),
        file=sys.stderr,
    ) as bar:

        def progress(p: Any) -> None:
            state["eta"] = p.eta_s
            if p.fraction is not None:
                target = int(p.fraction * 1000)
                bar.update(max(0, target - state["shown"]), p.message)
                state["shown"] = max(state["shown"], target)

        return run_job(project, jid, progress=progress)


def _fmt(seconds: float) -> str:
    s = int(seconds)
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


@click.group()
def diarization() -> None:
    """Speaker turns: import diarization made elsewhere, reassign turns or words, roles."""


@diarization.command("import")
@click.argument("interview")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_ctx
def diarization_import(obj: Ctx, interview: str, file: Path, as_json: bool) -> None:
    """Label INTERVIEW's turns from an RTTM, WhisperX JSON or noScribe/WebVTT FILE (or create
    the transcript from it when there is none)."""
    from kvali.pipelines.diarize.imports import import_diarization

    with obj.project.begin() as conn:
        result = import_diarization(conn, obj.study_id(conn), interview, file)
    if as_json:
        emit_json(result)
    else:
        n, speakers = result["turns_relabelled"], ", ".join(result["speakers"])
        click.echo(
            _("{n} turns created with speakers {speakers}", n=n, speakers=speakers)
            if result["created"]
            else _("{n} turns relabelled: speakers {speakers}", n=n, speakers=speakers)
        )


@diarization.command("reassign")
@click.argument("interview")
@click.argument("turn", type=int)
@click.argument("speaker")
@click.option("--role", type=click.Choice(["interviewer", "participant", "other"]), default=None)
@click.option(
    "--words", "word_range", default=None, help="Only words FIRST-LAST of the turn (1 = first)."
)
@click.option("--quote", default=None, help="Only this stretch of the turn's text.")
@json_option
@pass_ctx
def diarization_reassign(
    obj: Ctx,
    interview: str,
    turn: int,
    speaker: str,
    role: str | None,
    word_range: str | None,
    quote: str | None,
    as_json: bool,
) -> None:
    """Give turn number TURN (1 = first) of INTERVIEW, or some of its words, to SPEAKER: the
    turn is split where needed and joined to neighbours of the same speaker."""
    import re

    from kvali.errors import InputError, NotFoundError
    from kvali.i18n import _
    from kvali.pipelines.diarize.correct import reassign_span
    from kvali.transcripts.service import get_turns, transcript_id_for

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        tid = transcript_id_for(conn, sid, interview)
        turns = get_turns(conn, tid)
        if not 1 <= turn <= len(turns):
            raise NotFoundError(
                "turn {turn}: the transcript has {n_turns} turns", turn=turn, n_turns=len(turns)
            )
        tr = turns[turn - 1]
        start, end = tr["start_char"], tr["end_char"]
        if word_range:
            spans = [m.span() for m in re.finditer(r"\S+", tr["text"])]
            m = re.fullmatch(r"(\d+)(?:-(\d+))?", word_range.strip())
            first, last = (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (0, 0)
            if not 1 <= first <= last <= len(spans):
                raise InputError(
                    "words {spec}: the turn has {n} words; give FIRST-LAST, 1-based",
                    spec=word_range,
                    n=len(spans),
                )
            start, end = start + spans[first - 1][0], tr["start_char"] + spans[last - 1][1]
        elif quote:
            at = tr["text"].find(quote.strip())
            if at < 0:
                raise InputError("{quote!r} is not in turn {turn}", quote=quote, turn=turn)
            start, end = start + at, start + at + len(quote.strip())
        result = reassign_span(conn, sid, tid, start, end, speaker=speaker, role=role)
    if as_json:
        emit_json(result)
    else:
        what = f"turn {turn}" + (f" words {word_range}" if word_range else "")
        click.echo(
            _(
                "{words} → {speaker} ({role}); turns split {split}, merged {merged}",
                words=what,
                speaker=speaker,
                **result,
            )
        )


@diarization.command("roles")
@click.argument("interview")
@click.option("--confirm", is_flag=True, help="Accept the proposal: set the roles it shows.")
@click.option(
    "--set",
    "assign",
    multiple=True,
    metavar="SPEAKER=ROLE",
    help="Set a role yourself (repeatable).",
)
@json_option
@pass_ctx
def diarization_roles(
    obj: Ctx, interview: str, confirm: bool, assign: tuple[str, ...], as_json: bool
) -> None:
    """Who is the interviewer? Proposed from who asks the questions (question marks, the
    guide's questions, shorter turns); nothing changes until you --confirm or --set."""
    from kvali.errors import InputError
    from kvali.i18n import _
    from kvali.pipelines.diarize.roles import propose_roles, set_roles
    from kvali.transcripts.service import transcript_id_for

    roles: dict[str, str] = {}
    for item in assign:
        name, sep, role = item.rpartition("=")
        if not sep or not name.strip():
            raise InputError("--set {item!r}: expected SPEAKER=ROLE", item=item)
        roles[name.strip()] = role.strip()
    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        tid = transcript_id_for(conn, sid, interview)
        proposal = propose_roles(conn, sid, tid)
        if confirm:
            roles = {r["speaker"]: r["proposed_role"] for r in proposal["speakers"]} | roles
        result = set_roles(conn, sid, tid, roles) if roles else None
    if as_json:
        emit_json(proposal | {"applied": result})
        return
    table(
        proposal["speakers"],
        ["speaker", "role", "proposed_role", "turns", "words_per_turn", "question_share",
         "guide_questions", "score"],
    )  # fmt: skip
    if result:
        click.echo(_("roles set on {turns} turns: {roles}", turns=result["turns"],
                     roles=", ".join(f"{k}={v}" for k, v in result["roles"].items())))  # fmt: skip
    elif proposal["interviewer"]:
        cmd = f"kvali diarization roles {interview!r} --confirm"
        click.echo(
            _(
                "proposed interviewer: {speaker} (asks the questions); confirm with: {command}",
                speaker=proposal["interviewer"],
                command=cmd,
            )
        )
    else:
        click.echo(_("one speaker: no interviewer to propose"))


@click.command()
@click.option("--interview", default=None, help="Only this interview.")
@json_option
@pass_ctx
def talkstats(obj: Ctx, interview: str | None, as_json: bool) -> None:
    """Speaking time, words, turns and interviewer backchannels per interview and per mode."""
    from kvali.pipelines.talkstats import load_backchannels, talk_statistics

    with obj.project.begin() as conn:
        data = talk_statistics(
            conn, obj.study_id(conn), backchannels=load_backchannels(obj.project.path)
        )
    if interview:
        data["interviews"] = [x for x in data["interviews"] if x["interview"] == interview]
    if as_json:
        emit_json(data)
        return
    rows = []
    for x in data["interviews"]:
        for s in x["speakers"]:
            rows.append(
                {
                    "interview": x["interview"] + (" (synthetic)" if x["synthetic"] else ""),
                    "mode": x["mode"],
                    "speaker": s["speaker"],
                    "role": s["role"],
                    "turns": s["turns"],
                    "words": s["words"],
                    "minutes": round(s["speaking_ms"] / 60000, 1)
                    if s["speaking_ms"] is not None
                    else None,
                    "share": s["share"],
                    "backchannels": s["backchannels"],
                }
            )
    table(
        rows,
        [
            "interview",
            "mode",
            "speaker",
            "role",
            "turns",
            "words",
            "minutes",
            "share",
            "backchannels",
        ],
    )
    click.echo()
    table(
        data["modes"],
        [
            "mode",
            "interviews",
            "minutes",
            "turns_per_min",
            "interviewer_backchannels",
            "interviewer_backchannels_per_min",
            "interviewer_share",
        ],
    )


@click.group()
def job() -> None:
    """Background jobs (transcriptions): list them, resume one."""


@job.command("list")
@json_option
@pass_ctx
def job_list(obj: Ctx, as_json: bool) -> None:
    """Jobs with their progress, wherever they run (the worker column: host:pid of a worker)."""
    from kvali.jobs.service import list_jobs, workers_of

    with obj.project.begin() as conn:
        jobs = list_jobs(conn, study_id=obj.study_id(conn))
        workers = workers_of(conn, [j["id"] for j in jobs])
    for j in jobs:
        j["worker"] = workers.get(j["id"])
    if as_json:
        emit_json(jobs)
        return
    for j in jobs:
        j["progress"] = f"{j['done'] / j['total']:.0%}" if j["total"] else ""
        j["interview"] = j["params"].get("interview")
        j["worker"] = j["worker"] or ""
    table(jobs, ["id", "kind", "interview", "status", "progress", "worker", "attempts", "error"])


@job.command("run")
@click.argument("job_id", type=int)
@pass_ctx
def job_run(obj: Ctx, job_id: int) -> None:
    """Run or resume job JOB_ID (a killed transcription continues after its last window)."""
    from kvali.jobs.service import run_job

    result = _run_with_bar(obj.project, job_id, run_job, quiet=False)
    emit_json(result)


COMMANDS = [transcribe, alignment, diarization, talkstats, job]
