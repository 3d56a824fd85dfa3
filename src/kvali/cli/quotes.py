"""CLI: ``kvali quote`` — dialect check and published renderings of quotes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kvali.cli.base import Ctx, pass_ctx


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


COMMANDS = [quote]
