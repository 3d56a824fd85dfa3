"""CLI: ``kvali quote`` — dialect check and published renderings of quotes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kvali.cli.base import Ctx, emit_json, json_option, pass_ctx, table
from kvali.i18n import _


@click.group("quote")
def quote() -> None:
    """Quotes fit to publish: dialect and Nynorsk forms found and rendered."""


@quote.command("check")
@click.option(
    "--jsonl",
    "source",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help='{"id", "text"} per line (- for standard input).',
)
@click.option(
    "--standard",
    type=click.Choice(["nb", "nn"]),
    default=None,
    help="Written standard (default: the study's language).",
)
@click.option(
    "--conservative/--no-conservative",
    default=None,
    help="Flag accepted Bokmål variants (sjøl, blei) too (default: the study's setting).",
)
@pass_ctx
def check_cmd(obj: Ctx, source: Path, standard: str | None, conservative: bool | None) -> None:
    """One JSON line per input quote: its flags, with code-point offsets into the text."""
    from kvali.quotes.service import check_quotes, parse_jsonl, quote_settings

    if str(source) == "-":
        items = parse_jsonl(sys.stdin, file="<stdin>")
    else:
        with source.open(encoding="utf-8") as fh:
            items = parse_jsonl(fh, file=source)
    if standard is None or conservative is None:
        with obj.project.begin() as conn:
            settings = quote_settings(conn, obj.study_id(conn))
        standard = standard or settings["standard"]
        conservative = settings["conservative"] if conservative is None else conservative
    results = check_quotes(items, standard=standard, conservative=conservative)
    out = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    sys.stdout.write(out)
    sys.stdout.flush()


def _print_quote(q: dict, as_json: bool) -> None:
    if as_json:
        emit_json(q)
        return
    click.echo(
        _(
            "coding {id} · {interview} · {code}",
            id=q["coding_id"],
            interview=q["interview"],
            code=q["code"],
        )
    )
    click.echo(_("as said:   {text}", text=q["verbatim"]))
    if q["rendering"] is not None:
        click.echo(_("rendered:  {text}", text=q["rendering"]))
        click.echo(
            _("by {who} at {when}", who=q["updated_by"], when=q["updated_at"])
            + (" · " + _("stale: the passage changed after it was rendered") if q["stale"] else "")
        )
    for f in q["flags"]:
        click.echo(
            _(
                "  flag {start}: {word} → {suggestion} ({kind})",
                start=f["start"],
                word=f["word"],
                suggestion=f["suggestion"] or "?",
                kind=f["kind"],
            )
        )
    for n in q["names"]:
        click.echo(_("  name? {word} at {start}", word=n["word"], start=n["start"]))


@quote.command("list")
@click.option("--all", "every", is_flag=True, help="Every coded passage, not only gold quotes.")
@json_option
@pass_ctx
def list_cmd(obj: Ctx, every: bool, as_json: bool) -> None:
    """The gold quotes with their rendering state, open flags and unmasked names."""
    from kvali.quotes.render import list_quotes

    with obj.project.begin() as conn:
        rows = list_quotes(conn, obj.study_id(conn), viewer=obj.viewer, gold_only=not every)
    if as_json:
        emit_json(rows)
        return
    table(
        [
            {
                "coding": r["coding_id"],
                "interview": r["interview"],
                "rendered": "stale" if r["stale"] else ("yes" if r["rendered"] else "–"),
                "flags": len(r["flags"]),
                "names": len(r["names"]),
                "text": r["text"],
            }
            for r in rows
        ],
        ["coding", "interview", "rendered", "flags", "names", "text"],
    )


@quote.group("render")
def render() -> None:
    """The published rendering of a quote, beside the verbatim (which never changes)."""


def _flag_options(f):  # type: ignore[no-untyped-def]
    f = click.option("--word", default=None, help="The first open flag on this word.")(f)
    return click.option("--at", "start", type=int, default=None, help="The flag starting here.")(f)


@render.command("show")
@click.argument("coding_id", type=int)
@json_option
@pass_ctx
def show_cmd(obj: Ctx, coding_id: int, as_json: bool) -> None:
    """A quote as said, its rendering, who made it and when, and its open flags."""
    from kvali.quotes.render import get_quote

    with obj.project.begin() as conn:
        q = get_quote(conn, obj.study_id(conn), coding_id, viewer=obj.viewer)
    _print_quote(q, as_json)


@render.command("accept")
@click.argument("coding_id", type=int)
@_flag_options
@json_option
@pass_ctx
def accept_cmd(
    obj: Ctx, coding_id: int, start: int | None, word: str | None, as_json: bool
) -> None:
    """Accept one flag's suggestion into the rendering."""
    from kvali.quotes.render import accept_flag

    if start is None and word is None:
        raise click.UsageError(_("say which flag: --at START or --word WORD"))
    with obj.project.begin() as conn:
        q = accept_flag(
            conn, obj.study_id(conn), coding_id, start=start, word=word, viewer=obj.viewer
        )
    _print_quote(q, as_json)


@render.command("accept-all")
@click.argument("coding_id", type=int)
@json_option
@pass_ctx
def accept_all_cmd(obj: Ctx, coding_id: int, as_json: bool) -> None:
    """Accept every open flag's suggestion at once."""
    from kvali.quotes.render import accept_all

    with obj.project.begin() as conn:
        q = accept_all(conn, obj.study_id(conn), coding_id, viewer=obj.viewer)
    _print_quote(q, as_json)


@render.command("keep")
@click.argument("coding_id", type=int)
@_flag_options
@json_option
@pass_ctx
def keep_cmd(obj: Ctx, coding_id: int, start: int | None, word: str | None, as_json: bool) -> None:
    """Leave a flagged word as said, on purpose (its flag counts as checked)."""
    from kvali.quotes.render import keep_flag

    if start is None and word is None:
        raise click.UsageError(_("say which flag: --at START or --word WORD"))
    with obj.project.begin() as conn:
        q = keep_flag(
            conn, obj.study_id(conn), coding_id, start=start, word=word, viewer=obj.viewer
        )
    _print_quote(q, as_json)


@render.command("edit")
@click.argument("coding_id", type=int)
@click.option("--text", required=True, help="The rendering, written freely.")
@json_option
@pass_ctx
def edit_cmd(obj: Ctx, coding_id: int, text: str, as_json: bool) -> None:
    """Write the rendering yourself."""
    from kvali.quotes.render import edit_rendering

    with obj.project.begin() as conn:
        q = edit_rendering(conn, obj.study_id(conn), coding_id, text, viewer=obj.viewer)
    _print_quote(q, as_json)


@quote.command("settings")
@click.option(
    "--conservative/--no-conservative",
    default=None,
    help="Flag accepted Bokmål variants (sjøl, blei, veit) too.",
)
@click.option(
    "--report-quotes",
    type=click.Choice(["published", "verbatim"]),
    default=None,
    help="Reports print quotes as rendered for publication or as said.",
)
@json_option
@pass_ctx
def settings_cmd(
    obj: Ctx, conservative: bool | None, report_quotes: str | None, as_json: bool
) -> None:
    """Show or change the study's quote settings."""
    from kvali.quotes.service import set_quote_settings

    with obj.project.begin() as conn:
        s = set_quote_settings(
            conn, obj.study_id(conn), conservative=conservative, report_quotes=report_quotes
        )
    if as_json:
        emit_json(s)
    else:
        for k, v in s.items():
            click.echo(f"{k}: {v}")


COMMANDS = [quote]
