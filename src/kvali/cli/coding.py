"""CLI: codebook, codings, coding cycles and memos."""

from __future__ import annotations

from pathlib import Path

import click

from kvali.cli.base import Ctx, emit_json, json_option, pass_ctx, show, span_options
from kvali.i18n import _


@click.group()
def code() -> None:
    """The codebook: theme › category › code."""


@code.command("add")
@click.argument("name")
@click.option("--parent", default=None, help="Parent code (name or Theme/Category path).")
@click.option("--level", type=click.Choice(["theme", "category", "code"]), default=None)
@click.option("--description", default="")
@click.option("--color", default=None, help="#rrggbb")
@pass_ctx
def code_add(
    obj: Ctx, name: str, parent: str | None, level: str | None, description: str, color: str | None
) -> None:
    from kvali.codes.service import create_code

    with obj.project.begin() as conn:
        create_code(
            conn,
            obj.study_id(conn),
            name=name,
            parent=parent,
            level=level,
            description=description,
            color=color,
        )


@code.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Include merged/split codes.")
@json_option
@pass_ctx
def code_list(obj: Ctx, include_inactive: bool, as_json: bool) -> None:
    from kvali.codes.service import list_codes

    with obj.project.begin() as conn:
        rows = list_codes(conn, obj.study_id(conn), include_inactive=include_inactive)
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        status = "" if r["status"] == "active" else f"  ({r['status']})"
        click.echo(f"{'  ' * r['depth']}{r['name']}  [{r['level']}] {r['codings']}{status}")


@code.command("rename")
@click.argument("old")
@click.argument("new")
@pass_ctx
def code_rename(obj: Ctx, old: str, new: str) -> None:
    from kvali.codes.service import rename_code

    with obj.project.begin() as conn:
        rename_code(conn, obj.study_id(conn), old, new)


@code.command("move")
@click.argument("name")
@click.option("--parent", default=None, help="New parent; omit to move to the top level.")
@pass_ctx
def code_move(obj: Ctx, name: str, parent: str | None) -> None:
    from kvali.codes.service import move_code

    with obj.project.begin() as conn:
        move_code(conn, obj.study_id(conn), name, parent)


@code.command("merge")
@click.argument("sources", nargs=-1, required=True)
@click.option("--into", "target", required=True)
@pass_ctx
def code_merge(obj: Ctx, sources: tuple[str, ...], target: str) -> None:
    """Merge SOURCES into another code (recorded in the cycle history)."""
    from kvali.codes.service import merge_codes

    with obj.project.begin() as conn:
        result = merge_codes(conn, obj.study_id(conn), list(sources), target)
    click.echo(_("{n} codings moved to {target}", n=result["codings_moved"], target=target))


@code.command("split")
@click.argument("name")
@click.option("--into", "into", multiple=True, required=True, help="New code name (two or more).")
@click.option(
    "--assign", "assign", multiple=True, help="CODING_ID=NEW_NAME (others go to the first)."
)
@pass_ctx
def code_split(obj: Ctx, name: str, into: tuple[str, ...], assign: tuple[str, ...]) -> None:
    """Split a code into new codes."""
    from kvali.cli.base import parse_pairs
    from kvali.codes.service import split_code

    try:
        mapping = {int(k): v for k, v in parse_pairs(assign, "CODING_ID=NAME").items()}
    except ValueError as exc:
        raise click.BadParameter(_("coding ids must be numbers")) from exc
    with obj.project.begin() as conn:
        result = split_code(conn, obj.study_id(conn), name, list(into), assign=mapping)
    click.echo(", ".join(f"{n}: {c} codings" for n, c in result["codings"].items()))


@code.command("history")
@json_option
@pass_ctx
def code_history(obj: Ctx, as_json: bool) -> None:
    """Which codes became which, cycle by cycle."""
    from kvali.codes.service import code_history as history

    with obj.project.begin() as conn:
        rows = history(conn, obj.study_id(conn))
    show(rows, as_json, ["cycle", "kind", "from", "to", "actor", "at"])


@code.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def code_import(obj: Ctx, file: Path) -> None:
    """Add the codes of a codebook YAML file."""
    from kvali.codes.io import import_codebook, read_codebook

    data = read_codebook(file)
    with obj.project.begin() as conn:
        n = import_codebook(conn, obj.study_id(conn), data)
    click.echo(_("{n} codes created", n=n))


@code.command("export")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_ctx
def code_export(obj: Ctx, out: Path | None) -> None:
    from kvali.codes.io import codebook_yaml

    with obj.project.begin() as conn:
        text = codebook_yaml(conn, obj.study_id(conn))
    out.write_text(text, encoding="utf-8") if out else click.echo(text)


@click.group()
def coding() -> None:
    """Codings: code a span (or a quote) of a transcript."""


@coding.command("add")
@click.argument("interview")
@click.argument("code_ref", metavar="CODE")
@span_options()
@click.option("--quote", default=None, help="Code the passage with this exact text.")
@click.option("--gold", is_flag=True, help="Flag as a gold quote.")
@click.option("--coder", default=None, envvar="KVALI_USER")
@pass_ctx
def coding_add(
    obj: Ctx,
    interview: str,
    code_ref: str,
    start: int | None,
    end: int | None,
    quote: str | None,
    gold: bool,
    coder: str | None,
) -> None:
    from kvali.codings.service import add_coding, code_quote
    from kvali.transcripts.service import transcript_id_for

    if (quote is None) == (start is None or end is None):
        raise click.UsageError(_("give either --quote or both --start and --end"))
    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        if quote is not None:
            cid = code_quote(
                conn, sid, interview=interview, code=code_ref, quote=quote, coder=coder, gold=gold
            )
        else:
            cid = add_coding(
                conn,
                sid,
                transcript_id=transcript_id_for(conn, sid, interview),
                code=code_ref,
                start=start,
                end=end,
                coder=coder,
                gold=gold,
            )
    click.echo(_("coding {id}", id=cid))


@coding.command("remove")
@click.argument("coding_id", type=int)
@pass_ctx
def coding_remove(obj: Ctx, coding_id: int) -> None:
    from kvali.codings.service import remove_coding

    with obj.project.begin() as conn:
        remove_coding(conn, obj.study_id(conn), coding_id, viewer=obj.viewer)


@coding.command("gold")
@click.argument("coding_id", type=int)
@click.option("--off", is_flag=True, help="Remove the gold flag.")
@pass_ctx
def coding_gold(obj: Ctx, coding_id: int, off: bool) -> None:
    from kvali.codings.service import set_gold

    with obj.project.begin() as conn:
        set_gold(conn, obj.study_id(conn), coding_id, not off, viewer=obj.viewer)


@coding.command("list")
@click.option("--interview", default=None)
@click.option("--code", "code_ref", default=None)
@click.option("--cycle", type=int, default=None)
@click.option("--gold", is_flag=True, default=None, help="Only gold quotes.")
@click.option("--removed", is_flag=True, help="Include removed codings (history).")
@json_option
@pass_ctx
def coding_list(
    obj: Ctx,
    interview: str | None,
    code_ref: str | None,
    cycle: int | None,
    gold: bool | None,
    removed: bool,
    as_json: bool,
) -> None:
    from kvali.codings.service import list_codings

    with obj.project.begin() as conn:
        rows = list_codings(
            conn,
            obj.study_id(conn),
            interview=interview,
            code=code_ref,
            cycle=cycle,
            gold=True if gold else None,
            include_removed=removed,
            viewer=obj.viewer,
        )
    show(
        rows,
        as_json,
        ["id", "interview", "code", "start_char", "end_char", "is_gold", "coder", "text"],
    )


@coding.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--create-codes", is_flag=True, help="Create codes the file names but the codebook lacks."
)
@pass_ctx
def coding_import(obj: Ctx, file: Path, create_codes: bool) -> None:
    """Bulk-add codings from CSV: interview, code, start+end or quote, [gold, coder]."""
    from kvali.codings.service import import_codings_csv

    with obj.project.begin() as conn:
        n = import_codings_csv(conn, obj.study_id(conn), file, create_codes=create_codes)
    click.echo(_("{n} codings imported", n=n))


@click.group()
def cycle() -> None:
    """Coding cycles: re-code without losing the earlier coding."""


@cycle.command("list")
@json_option
@pass_ctx
def cycle_list(obj: Ctx, as_json: bool) -> None:
    from kvali.codings.cycles import list_cycles

    with obj.project.begin() as conn:
        rows = list_cycles(conn, obj.study_id(conn))
    show(rows, as_json, ["number", "name", "started_at", "codings", "codings_removed"])


@cycle.command("start")
@click.option("--name", default="")
@pass_ctx
def cycle_start(obj: Ctx, name: str) -> None:
    """Start the next cycle from a copy of the current codings."""
    from kvali.codings.cycles import start_cycle

    with obj.project.begin() as conn:
        n = start_cycle(conn, obj.study_id(conn), name=name)
    click.echo(_("cycle {n} started", n=n))


@click.group()
def memo() -> None:
    """Memos: analytic notes and the reflexivity journal."""


def _target(conn, sid: int, on: str) -> tuple[str, int | None]:  # type: ignore[no-untyped-def]
    from kvali.codes.service import code_id
    from kvali.interviews.service import interview_id
    from kvali.participants.service import participant_id
    from kvali.studies.service import research_question_id

    if on == "study":
        return "study", sid
    kind, _sep, ref = on.partition(":")
    resolvers = {
        "interview": lambda r: interview_id(conn, sid, r),
        "code": lambda r: code_id(conn, sid, r),
        "coding": int,
        "participant": lambda r: participant_id(conn, sid, r),
        "rq": lambda r: research_question_id(conn, sid, r),
    }
    if kind not in resolvers or not ref:
        raise click.BadParameter(
            _("use study, interview:LABEL, code:NAME, coding:ID, participant:CODE or rq:N")
        )
    return ("research_question" if kind == "rq" else kind), resolvers[kind](ref)


@memo.command("add")
@click.argument("text")
@click.option(
    "--on",
    "on",
    default="study",
    show_default=True,
    help="study, interview:LABEL, code:NAME, coding:ID, participant:CODE, rq:N",
)
@click.option(
    "--kind", type=click.Choice(["analytic", "reflexivity", "condensation"]), default="analytic"
)
@click.option("--title", default="")
@pass_ctx
def memo_add(obj: Ctx, text: str, on: str, kind: str, title: str) -> None:
    from kvali.memos.service import add_memo

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        target_type, target_id = _target(conn, sid, on)
        mid = add_memo(
            conn,
            sid,
            text=text,
            target_type=target_type,
            target_id=target_id,
            kind=kind,
            title=title,
        )
    click.echo(_("memo {id}", id=mid))


@memo.command("list")
@click.option(
    "--kind", type=click.Choice(["analytic", "reflexivity", "condensation"]), default=None
)
@json_option
@pass_ctx
def memo_list(obj: Ctx, kind: str | None, as_json: bool) -> None:
    from kvali.memos.service import list_memos

    with obj.project.begin() as conn:
        rows = list_memos(conn, obj.study_id(conn), kind=kind)
    show(rows, as_json, ["id", "kind", "target_type", "target_id", "title", "text"])


COMMANDS = [code, coding, cycle, memo]
