"""CLI: importing, viewing, correcting and exporting transcripts."""

from __future__ import annotations

from pathlib import Path

import click

from kvali.cli.base import Ctx, emit_json, json_option, parse_pairs, pass_ctx, span_options
from kvali.i18n import _
from kvali.terms import term
from kvali.util import format_ms


@click.group()
def transcript() -> None:
    """Transcripts as speaker turns."""


@transcript.command("import")
@click.argument("interview")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "vtt", "srt", "docx", "json"]),
    default=None,
    help="Default: from the file extension.",
)
@click.option("--language", default=None)
@click.option("--speaker-role", "roles", multiple=True, help="LABEL=interviewer|participant|other")
@click.option("--replace", is_flag=True, help="Replace an uncoded transcript.")
@pass_ctx
def transcript_import(
    obj: Ctx,
    interview: str,
    file: Path,
    fmt: str | None,
    language: str | None,
    roles: tuple[str, ...],
    replace: bool,
) -> None:
    """Import a transcript file (txt/md, vtt, srt, docx, kvali json) for INTERVIEW."""
    from kvali.transcripts.service import get_turns, import_transcript

    with obj.project.begin() as conn:
        tid = import_transcript(
            conn,
            obj.study_id(conn),
            interview,
            file,
            format=fmt,
            language=language,
            speaker_roles=parse_pairs(roles, "LABEL=ROLE"),
            replace=replace,
        )
        turns = get_turns(conn, tid)
    speakers = sorted({(t["speaker"], t["role"]) for t in turns})
    click.echo(
        _(
            "{n} turns imported; speakers: {speakers}",
            n=len(turns),
            speakers=", ".join(f"{s} ({r})" for s, r in speakers),
        )
    )


@transcript.command("show")
@click.argument("interview")
@json_option
@pass_ctx
def transcript_show(obj: Ctx, interview: str, as_json: bool) -> None:
    from kvali.transcripts.service import get_turns, transcript_id_for

    with obj.project.begin() as conn:
        turns = get_turns(conn, transcript_id_for(conn, obj.study_id(conn), interview))
    if as_json:
        emit_json(turns)
        return
    for t in turns:
        stamp = f"[{format_ms(t['start_ms'])}] " if t["start_ms"] is not None else ""
        click.echo(f"{stamp}{t['speaker']}: {t['text']}")


@transcript.command("gaps")
@click.argument("interview")
@json_option
@pass_ctx
def transcript_gaps(obj: Ctx, interview: str, as_json: bool) -> None:
    """Stretches of speech the transcription left as [unclear …] markers, with their times:
    listen to each and type over it (kvali transcript edit --find)."""
    from kvali.pipelines.gaps import get_gaps
    from kvali.transcripts.service import transcript_id_for

    with obj.project.begin() as conn:
        gaps = get_gaps(conn, transcript_id_for(conn, obj.study_id(conn), interview))
    if as_json:
        emit_json(gaps)
        return
    if not gaps:
        click.echo(_("no gaps"))
    for g in gaps:
        state = _("open") if g["open"] else _("typed over")
        click.echo(
            _(
                "{start}–{end}  chars {a}–{b}  {reason}, {dropped} words left out  ({state})",
                start=format_ms(g["start_ms"]),
                end=format_ms(g["end_ms"]),
                a=g["start_char"],
                b=g["end_char"],
                reason=term("gap_reason", g["reason"]),
                dropped=g["dropped_words"],
                state=state,
            )
        )


@transcript.command("edit")
@click.argument("interview")
@span_options("Code-point offset where the change starts.")
@click.option(
    "--find",
    "find",
    default=None,
    help="Text to replace (must occur once) instead of --start/--end.",
)
@click.option("--text", "new", required=True, help="Replacement text.")
@json_option
@pass_ctx
def transcript_edit(
    obj: Ctx,
    interview: str,
    start: int | None,
    end: int | None,
    find: str | None,
    new: str,
    as_json: bool,
) -> None:
    """Correct transcript text; codings move with it."""
    from kvali.codings.service import find_quote
    from kvali.transcripts.offsets import Edit
    from kvali.transcripts.service import edit_text, get_text, transcript_id_for

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        tid = transcript_id_for(conn, sid, interview)
        if find is not None:
            start, end = find_quote(get_text(conn, tid), find, source=f"interview {interview!r}")
        if start is None or end is None:
            raise click.UsageError(_("give --find TEXT or --start and --end"))
        result = edit_text(conn, sid, tid, [Edit(start, end, new)])
    emit_json(result) if as_json else click.echo(
        _("version {version}: {codings_moved} codings moved, {codings_removed} removed", **result)
    )


@transcript.command("speaker")
@click.argument("interview")
@click.argument("speaker")
@click.option("--rename", default=None)
@click.option("--role", type=click.Choice(["interviewer", "participant", "other"]), default=None)
@pass_ctx
def transcript_speaker(
    obj: Ctx, interview: str, speaker: str, rename: str | None, role: str | None
) -> None:
    """Rename a speaker or change their role."""
    from kvali.transcripts.service import set_speaker, transcript_id_for

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        n = set_speaker(
            conn,
            sid,
            transcript_id_for(conn, sid, interview),
            speaker=speaker,
            new_name=rename,
            role=role,
        )
    click.echo(_("{n} turns updated", n=n))


@transcript.command("export")
@click.argument("interview")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "docx", "txt"]), default="json", show_default=True
)
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_ctx
def transcript_export(obj: Ctx, interview: str, fmt: str, out: Path) -> None:
    from kvali.interop.transcripts import write_transcript_docx, write_transcript_json
    from kvali.transcripts.service import get_turns, transcript_id_for

    with obj.project.begin() as conn:
        turns = get_turns(conn, transcript_id_for(conn, obj.study_id(conn), interview))
    rows = [{k: t[k] for k in ("speaker", "role", "start_ms", "end_ms", "text")} for t in turns]
    if fmt == "json":
        write_transcript_json(out, turns=rows, language=None, metadata={"interview": interview})
    elif fmt == "docx":
        write_transcript_docx(out, title=interview, subtitle="", turns=rows, instructions=False)
    else:
        out.write_text(
            "\n".join(
                (f"[{format_ms(r['start_ms'])}] " if r["start_ms"] is not None else "")
                + f"{r['speaker']}: {r['text']}"
                for r in rows
            )
            + "\n",
            encoding="utf-8",
        )
    click.echo(str(out))


COMMANDS = [transcript]
