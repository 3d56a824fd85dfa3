"""Shared CLI plumbing: the project context, JSON output, and KvaliError → exit status."""

from __future__ import annotations

import json
import sys
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


def search_filter_options(f: Any) -> Any:
    """The filters shared by full-text and semantic search commands."""
    options = [
        click.option("--code", default=None, help="Only passages coded with this code."),
        click.option("--attr", "attrs", multiple=True, help="Participant attribute NAME=VALUE."),
        click.option("--mode", default=None, help="Interview mode: in-person, hybrid, digital."),
        click.option("--interview", default=None),
        click.option(
            "--role", type=click.Choice(["interviewer", "participant", "other"]), default=None
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


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
