"""Shared CLI plumbing: the project context, JSON output, and KvaliError → exit status."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from kvali.errors import KvaliError
from kvali.i18n import _
from kvali.project import Project


@dataclass
class Ctx:
    project_dir: Path
    database_url: str | None = None
    _project: Project | None = field(default=None, repr=False)

    @property
    def project(self) -> Project:
        if self._project is None:
            self._project = Project.open(self.project_dir, database_url=self.database_url)
        return self._project

    def study_id(self, conn: Any) -> int:
        from kvali.studies.service import default_study_id

        return default_study_id(conn)

    @property
    def viewer(self) -> str:
        """Whose view the readers give (``codings.visible``): the acting researcher (``--user``,
        ``$KVALI_USER``, else the OS user), the name their codings are recorded under."""
        from kvali.events.service import current_actor

        return current_actor()


pass_ctx = click.make_pass_decorator(Ctx)


def _default(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_default))


def options(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Several click options as one decorator, in the order given (as if stacked)."""

    def apply(f: Any) -> Any:
        for option in reversed(decorators):
            f = option(f)
        return f

    return apply


_search_filters = options(
    click.option("--code", default=None, help="Only passages coded with this code."),
    click.option("--attr", "attrs", multiple=True, help="Participant attribute NAME=VALUE."),
    click.option("--mode", default=None, help="Interview mode: in-person, hybrid, digital."),
    click.option("--interview", default=None),
    click.option(
        "--role", type=click.Choice(["interviewer", "participant", "other"]), default=None
    ),
)


def search_filter_options(f: Any) -> Any:
    """The filters of full-text and semantic search, given to the command as one ``filters``
    dict: the keyword arguments ``search`` and ``semantic_search`` take."""

    @functools.wraps(f)
    def command(*args: Any, attrs: tuple[str, ...], **kw: Any) -> Any:
        pairs = list(parse_pairs(attrs).items())
        filters = {name: kw.pop(name) for name in ("code", "mode", "interview", "role")}
        filters["attribute"] = pairs[0] if pairs else None
        return f(*args, filters=filters, **kw)

    return _search_filters(command)


def span_options(start_help: str | None = None) -> Callable[[Any], Any]:
    """``--start`` and ``--end``: a span of the transcript text in code points (both or none)."""
    return options(
        click.option("--start", type=int, default=None, help=start_help),
        click.option("--end", type=int, default=None),
    )


def lang_option(default: str | None = "nb", help: str | None = None) -> Callable[[Any], Any]:
    """``--lang en|nb``: the language of what a command writes (report, framework, DOCX)."""
    return click.option(
        "--lang",
        type=click.Choice(["en", "nb"]),
        default=default,
        show_default=default is not None,
        help=help,
    )


def study_options(*, creating: bool) -> Callable[[Any], Any]:
    """``--title``, ``--problem`` and ``--language`` of a study: required and defaulted when
    creating one, each optional (unchanged when left out) when setting."""
    return options(
        click.option("--title", required=creating, default=None),
        click.option("--problem", "problem_statement", default="" if creating else None),
        click.option("--language", default="nb" if creating else None, show_default=creating),
    )


def participant_options(*, setting: bool) -> Callable[[Any], Any]:
    """``--attr``, ``--consent-date`` and ``--consent-document`` of a participant."""
    attr_help = (
        "NAME=VALUE; an empty VALUE removes it."
        if setting
        else "Case attribute NAME=VALUE (repeatable)."
    )
    return options(
        click.option("--attr", "attrs", multiple=True, help=attr_help),
        click.option("--consent-date", default=None, help="YYYY-MM-DD"),
        click.option("--consent-document", default=None, help="Where the signed consent is kept."),
    )


def json_option(f: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")(f)


def show(rows: list[dict[str, Any]], as_json: bool, columns: list[str]) -> None:
    """Rows as JSON for scripts, or as an aligned table for people."""
    if as_json:
        emit_json(rows)
    else:
        table(rows, columns)


def table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """A plain aligned text table for the terminal."""
    if not rows:
        click.echo(_("(none)"))
        return
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [min(60, max(len(c), *(len(row[i]) for row in cells))) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        click.echo("  ".join(v[:w].ljust(w) for v, w in zip(row, widths, strict=True)))


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ", ".join(map(str, v))
    if isinstance(v, dict):
        return ", ".join(f"{k}={x}" for k, x in v.items())
    return str(v).replace("\n", " ")


def parse_pairs(pairs: tuple[str, ...], what: str = "NAME=VALUE") -> dict[str, str]:
    out = {}
    for p in pairs:
        if "=" not in p:
            raise click.BadParameter(_("expected {what}, got {value!r}", what=what, value=p))
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


class KvaliGroup(click.Group):
    """A click group that turns KvaliError into a one-line message and its exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KvaliError as exc:
            click.echo(_("error: {message}", message=exc), err=True)
            sys.exit(exc.exit_code)
