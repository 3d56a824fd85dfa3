"""CLI: participants (attributes, consent, member check, withdrawal) and interviews."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from kvali.cli.base import (
    Ctx,
    emit_json,
    json_option,
    lang_option,
    parse_pairs,
    participant_options,
    pass_ctx,
    show,
    table,
)
from kvali.i18n import _


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            _("expected a date as YYYY-MM-DD, got {value!r}", value=value)
        ) from exc


@click.group()
def participant() -> None:
    """Participants: pseudonymous codes, case attributes, consent, member check, withdrawal."""


@participant.command("add")
@click.argument("code")
@participant_options(setting=False)
@pass_ctx
def participant_add(
    obj: Ctx,
    code: str,
    attrs: tuple[str, ...],
    consent_date: str | None,
    consent_document: str | None,
) -> None:
    from kvali.participants.service import add_participant

    with obj.project.begin() as conn:
        add_participant(
            conn,
            obj.study_id(conn),
            code=code,
            attributes=parse_pairs(attrs),
            consent_date=_date(consent_date),
            consent_document=consent_document,
        )
    click.echo(_("participant {code} added", code=code))


@participant.command("list")
@json_option
@pass_ctx
def participant_list(obj: Ctx, as_json: bool) -> None:
    from kvali.participants.service import list_participants

    with obj.project.begin() as conn:
        rows = list_participants(conn, obj.study_id(conn))
    show(rows, as_json, ["code", "attributes", "consent_date", "member_check_status", "withdrawn"])


@participant.command("set")
@click.argument("code")
@participant_options(setting=True)
@pass_ctx
def participant_set(
    obj: Ctx,
    code: str,
    attrs: tuple[str, ...],
    consent_date: str | None,
    consent_document: str | None,
) -> None:
    from kvali.participants.service import set_attributes, set_consent

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        if attrs:
            set_attributes(conn, sid, code, parse_pairs(attrs))
        if consent_date or consent_document:
            set_consent(
                conn, sid, code, consent_date=_date(consent_date), document=consent_document
            )


@participant.group("member-check")
def member_check() -> None:
    """The participant reads their transcript; record what they said."""


@member_check.command("export")
@click.argument("code")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None)
@lang_option()
@pass_ctx
def member_check_export(obj: Ctx, code: str, out: Path | None, lang: str) -> None:
    """Write the participant's transcript(s) as DOCX for them to read."""
    from kvali.participants.member_check import export_member_check

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
    for path in export_member_check(obj.project, sid, code, out=out, lang=lang):
        click.echo(str(path))


@member_check.command("record")
@click.argument("code")
@click.option(
    "--status",
    required=True,
    type=click.Choice(["not_offered", "sent", "approved", "changes_requested", "declined"]),
)
@click.option("--comments", default=None)
@pass_ctx
def member_check_record(obj: Ctx, code: str, status: str, comments: str | None) -> None:
    from kvali.participants.service import record_member_check

    with obj.project.begin() as conn:
        record_member_check(conn, obj.study_id(conn), code, status=status, comments=comments)


@participant.command("withdraw")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--destroy-key", is_flag=True, help="Also destroy the study's pseudonymization key.")
@json_option
@pass_ctx
def participant_withdraw(obj: Ctx, code: str, yes: bool, destroy_key: bool, as_json: bool) -> None:
    """Erase every trace of a participant: interviews, turns, codings, memos, files, exports."""
    from kvali.participants.withdrawal import plan_withdrawal, withdraw_participant

    project = obj.project
    with project.begin() as conn:
        sid = obj.study_id(conn)
        plan = plan_withdrawal(conn, project, sid, code)
    if not yes:
        click.echo(_("Withdrawing {code} erases for good:", code=code))
        click.echo(_("  interviews: {labels}", labels=", ".join(plan["interviews_deleted"]) or "—"))
        click.echo(
            _(
                "  turns: {turns}, codings: {codings}, files: {files}",
                turns=plan["turns"],
                codings=plan["codings"],
                files=len(plan["files"]),
            )
        )
        click.confirm(_("Continue?"), abort=True)
    result = withdraw_participant(project, sid, code, destroy_key=destroy_key)
    if as_json:
        emit_json(result)
        return
    click.echo(_("{code} withdrawn. Erased:", code=code))
    click.echo(_("  interviews: {labels}", labels=", ".join(result["interviews_deleted"]) or "—"))
    if result["interviews_with_turns_removed"]:
        click.echo(
            _(
                "  turns removed from group interviews: {labels}",
                labels=", ".join(result["interviews_with_turns_removed"]),
            )
        )
    click.echo(
        _(
            "  turns: {turns}  codings: {codings}  memos: {memos}  event payloads redacted: {events}",
            turns=result["turns"],
            codings=result["codings"],
            memos=result["memos"],
            events=result["events_redacted"],
        )
    )
    for f in result["files"]:
        click.echo(_("  file: {path}", path=f))


@click.group()
def interview() -> None:
    """Interviews: participants, interviewers, date, mode, duration, audio."""


@interview.command("add")
@click.argument("label")
@click.option("--participant", "participants", multiple=True, help="Participant code (repeatable).")
@click.option("--interviewer", "interviewers", multiple=True, help="Interviewer name (repeatable).")
@click.option("--date", "when", default=None, help="YYYY-MM-DD")
@click.option(
    "--mode", default="in-person", show_default=True, help="in-person, hybrid or digital."
)
@click.option("--duration", type=int, default=None, help="Minutes.")
@click.option(
    "--audio",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Copy this recording into the project's media folder.",
)
@pass_ctx
def interview_add(
    obj: Ctx,
    label: str,
    participants: tuple[str, ...],
    interviewers: tuple[str, ...],
    when: str | None,
    mode: str,
    duration: int | None,
    audio: Path | None,
) -> None:
    from kvali.interviews.media import store_media
    from kvali.interviews.service import add_interview

    project = obj.project
    audio_rel = store_media(project, audio) if audio else None
    with project.begin() as conn:
        add_interview(
            conn,
            obj.study_id(conn),
            label=label,
            participants=list(participants),
            interviewers=list(interviewers),
            date=_date(when),
            mode=mode,
            duration_s=duration * 60 if duration else None,
            audio_path=audio_rel,
        )
    click.echo(_("interview {label!r} added", label=label))


@interview.command("list")
@json_option
@pass_ctx
def interview_list(obj: Ctx, as_json: bool) -> None:
    from kvali.interviews.service import list_interviews

    with obj.project.begin() as conn:
        rows = list_interviews(conn, obj.study_id(conn))
    show(
        rows,
        as_json,
        ["label", "date", "mode", "participants", "interviewers", "char_count", "pseudonymized"],
    )


@interview.command("show")
@click.argument("label")
@json_option
@pass_ctx
def interview_show(obj: Ctx, label: str, as_json: bool) -> None:
    from kvali.interviews.service import get_interview

    with obj.project.begin() as conn:
        data = get_interview(conn, obj.study_id(conn), label)
    emit_json(data) if as_json else table([data], list(data))


COMMANDS = [participant, interview]
