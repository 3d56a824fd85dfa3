"""The ``kvali`` command: a thin client of the service functions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from kvali.cli.base import (
    Ctx,
    KvaliGroup,
    emit_json,
    json_option,
    lang_option,
    pass_ctx,
    search_filter_options,
    table,
)
from kvali.events.service import set_actor
from kvali.i18n import _, language


@click.group(cls=KvaliGroup)
@click.option(
    "--project",
    "-p",
    "project_dir",
    type=click.Path(path_type=Path),
    envvar="KVALI_PROJECT",
    default=".",
    show_default=True,
    help="Project folder (or $KVALI_PROJECT).",
)
@click.option(
    "--database-url",
    envvar="KVALI_DATABASE_URL",
    default=None,
    help="Use this database instead of the folder's SQLite file (e.g. postgresql://…).",
)
@click.option(
    "--user", envvar="KVALI_USER", default=None, help="Who is acting (recorded in the event log)."
)
@click.option(
    "--lang",
    "ui_lang",
    type=click.Choice(["en", "nb"]),
    default=None,
    help="Interface language (default: $KVALI_LANG or the locale).",
)
@click.version_option(package_name="kvali")
@click.pass_context
def cli(
    ctx: click.Context,
    project_dir: Path,
    database_url: str | None,
    user: str | None,
    ui_lang: str | None,
) -> None:
    """kvali — a local, private workbench for qualitative interview research."""
    set_actor(user)
    ctx.with_resource(language(ui_lang))  # for this command only (tests run many in one process)
    ctx.obj = Ctx(project_dir=project_dir, database_url=database_url)


def main() -> None:
    cli(prog_name="kvali")


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--title", default=None, help="Create the study with this title.")
@click.option("--problem", "problem_statement", default="", help="Problem statement.")
@click.option(
    "--language", default="nb", show_default=True, help="Language of the data (nb, nn, en, …)."
)
@click.option(
    "--database-url", "init_url", default=None, help="Store the data in this database (PostgreSQL)."
)
@click.pass_obj
def init(
    obj: Ctx,
    directory: Path,
    title: str | None,
    problem_statement: str,
    language: str,
    init_url: str | None,
) -> None:
    """Create a project folder: kvali.db (SQLite), media/ and exports/."""
    from kvali.project import Project
    from kvali.studies.service import create_study

    project = Project.init(directory, database_url=init_url or obj.database_url)
    if title:
        with project.begin() as conn:
            create_study(conn, title=title, problem_statement=problem_statement, language=language)
    click.echo(
        _(
            "created project {path} ({backend})",
            path=directory,
            backend="SQLite" if project.is_sqlite else "PostgreSQL",
        )
    )


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path), default="kvali-demo")
@lang_option(help="Report language.")
@click.option("--force", is_flag=True, help="Replace an existing demo folder.")
@click.option(
    "--no-audio", is_flag=True, help="Skip the synthesised recording and its transcription."
)
@click.option(
    "--serve", "then_serve", is_flag=True, help="Then open the workbench on it (kvali[web])."
)
@click.pass_context
def demo(
    ctx: click.Context, directory: Path, lang: str, force: bool, no_audio: bool, then_serve: bool
) -> None:
    """Create the demo study (the seed thesis) and write every report."""
    from kvali.demo.build import create_demo

    result = create_demo(
        directory,
        lang=lang,
        force=force,
        audio=not no_audio,
        progress=lambda msg: click.echo(f"  {msg}"),
    )
    click.echo(
        _("demo study ready in {path} ({seconds:.1f} s)", path=directory, seconds=result["seconds"])
    )
    for path in result["reports"]:
        click.echo(_("  report: {path}", path=path))
    if not then_serve:
        click.echo(
            _(
                "next: kvali --project {path} serve --open   (the workbench)   ·   {path}/exports/report.html",
                path=directory,
            )
        )
        return
    from kvali.cli.web import serve

    ctx.obj.project_dir = directory
    ctx.invoke(serve, open_browser=True)


@cli.command()
@json_option
@pass_ctx
def stats(obj: Ctx, as_json: bool) -> None:
    """Counts of participants, interviews, transcripts, turns, codes, codings, memos, cycles."""
    from kvali.studies.service import stats as study_stats

    with obj.project.begin() as conn:
        data = study_stats(conn, obj.study_id(conn))
    if as_json:
        emit_json(data)
    else:
        for k, v in data.items():
            click.echo(f"{k:>20}  {v}")


@cli.command()
@click.argument("query")
@search_filter_options
@click.option("--limit", default=50, show_default=True)
@click.option(
    "--semantic", is_flag=True, help="Search by meaning, across languages (kvali[semantic])."
)
@json_option
@pass_ctx
def search(
    obj: Ctx,
    query: str,
    filters: dict[str, Any],
    limit: int,
    semantic: bool,
    as_json: bool,
) -> None:
    """Full-text search over transcripts ("phrases", prefix*), or by meaning with --semantic."""
    filters = {**filters, "limit": limit}
    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        if semantic:
            try:
                from kvali.semantic.service import semantic_search, update_index
            except ImportError as exc:
                raise click.ClickException(
                    _("semantic search needs: pip install 'kvali[semantic]'")
                ) from exc
            update_index(conn, sid, project_path=obj.project.path)
            hits = semantic_search(
                conn, sid, query, project_path=obj.project.path, viewer=obj.viewer, **filters
            )
            for h in hits:
                h.setdefault("snippet", h.get("text", ""))
        else:
            from kvali.search.service import search as run_search

            hits = run_search(conn, sid, query, viewer=obj.viewer, **filters)
    if as_json:
        emit_json(hits)
        return
    for h in hits:
        click.echo(f"{h['interview']} [{h['speaker']}] {h['snippet']}")
    click.echo(_("({n} hits)", n=len(hits)))


@cli.command()
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["md", "html", "docx", "xlsx", "csv", "json"]),
    help="Default: all formats.",
)
@lang_option(default="en")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder (default: PROJECT/exports).",
)
@click.option("--cycle", type=int, default=None, help="Report on an earlier coding cycle.")
@json_option
@pass_ctx
def report(
    obj: Ctx,
    formats: tuple[str, ...],
    lang: str,
    out: Path | None,
    cycle: int | None,
    as_json: bool,
) -> None:
    """Write the analysis model, theme overview and condensation tables (with charts)."""
    from kvali.reports.render import FORMATS
    from kvali.reports.service import write_study_reports

    chosen = formats or FORMATS
    # The bar goes to stderr and only to a terminal, so --json output stays clean.
    show_bar = not as_json and sys.stderr.isatty()
    with click.progressbar(
        length=len(chosen) + 1, label="report", file=sys.stderr, hidden=not show_bar
    ) as bar:
        paths = write_study_reports(
            obj.project,
            formats=chosen,
            lang=lang,
            out_dir=out,
            cycle=cycle,
            progress=lambda _step: bar.update(1),
            viewer=obj.viewer,
        )
    if as_json:
        emit_json([str(p) for p in paths])
    else:
        for p in paths:
            click.echo(str(p))


@cli.command()
@click.option("--limit", default=50, show_default=True)
@click.option("--entity", default=None)
@json_option
@pass_ctx
def events(obj: Ctx, limit: int, entity: str | None, as_json: bool) -> None:
    """The event log: who changed what, when (newest first)."""
    from kvali.events.service import list_events

    with obj.project.begin() as conn:
        rows = list_events(conn, study_id=obj.study_id(conn), entity=entity, limit=limit)
    if as_json:
        emit_json(rows)
    else:
        table(rows, ["id", "created_at", "actor", "action", "entity", "entity_id", "payload"])


@cli.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(obj: Ctx) -> None:
    """Migrate the project database to the newest schema."""
    from kvali.db import migrate

    project = obj.project  # opening upgrades
    click.echo(
        _(
            "schema at {revisions}",
            revisions=", ".join(sorted(migrate.current_revisions(project.engine))),
        )
    )


@db.command("current")
@pass_ctx
def db_current(obj: Ctx) -> None:
    from kvali.db import migrate
    from kvali.db.engine import make_engine
    from kvali.project import resolve_database_url

    engine = make_engine(resolve_database_url(obj.project_dir, obj.database_url))
    current = ", ".join(sorted(migrate.current_revisions(engine))) or _("none")
    heads = ", ".join(sorted(migrate.head_revisions()))
    click.echo(_("current {current} · heads {heads}", current=current, heads=heads))


# Each CLI module exposes COMMANDS; feature areas add a module here and it is picked up if present.
CLI_MODULES = (
    "study",
    "people",
    "text",
    "coding",
    "interop",
    "speech",
    "privacy",
    "web",
    "analysis",
    "semantic",
    "models",
)


def _register() -> None:
    import importlib
    import importlib.util

    for name in CLI_MODULES:
        if importlib.util.find_spec(f"kvali.cli.{name}") is None:
            continue
        for command in importlib.import_module(f"kvali.cli.{name}").COMMANDS:
            cli.add_command(command)


_register()
