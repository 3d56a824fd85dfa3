"""CLI: the study, its research questions and its interview guide."""

from __future__ import annotations

from pathlib import Path

import click

from kvali.cli.base import Ctx, emit_json, json_option, pass_ctx, show, study_options
from kvali.i18n import _


@click.group()
def study() -> None:
    """The study: title, problem statement, language, research questions."""


@study.command("create")
@study_options(creating=True)
@pass_ctx
def study_create(obj: Ctx, title: str, problem_statement: str, language: str) -> None:
    from kvali.studies.service import create_study

    with obj.project.begin() as conn:
        sid = create_study(
            conn, title=title, problem_statement=problem_statement, language=language
        )
    click.echo(_("study {id} created", id=sid))


@study.command("show")
@json_option
@pass_ctx
def study_show(obj: Ctx, as_json: bool) -> None:
    from kvali.studies.service import get_study

    with obj.project.begin() as conn:
        data = get_study(conn, obj.study_id(conn))
    if as_json:
        emit_json(data)
        return
    click.echo(data["title"])
    click.echo(f"\n{data['problem_statement']}\n")
    for rq in data["research_questions"]:
        click.echo(
            "  "
            + _("RQ{n}: {text}", n=rq["position"], text=rq["text"])
            + (f"  [{', '.join(rq['themes'])}]" if rq["themes"] else "")
        )


@study.command("set")
@study_options(creating=False)
@pass_ctx
def study_set(
    obj: Ctx, title: str | None, problem_statement: str | None, language: str | None
) -> None:
    from kvali.studies.service import update_study

    with obj.project.begin() as conn:
        update_study(
            conn,
            obj.study_id(conn),
            title=title,
            problem_statement=problem_statement,
            language=language,
        )


@click.group()
def rq() -> None:
    """Research questions and the themes that answer them."""


@rq.command("add")
@click.argument("text")
@pass_ctx
def rq_add(obj: Ctx, text: str) -> None:
    from kvali.studies.service import add_research_question

    with obj.project.begin() as conn:
        add_research_question(conn, obj.study_id(conn), text=text)


@rq.command("list")
@json_option
@pass_ctx
def rq_list(obj: Ctx, as_json: bool) -> None:
    from kvali.studies.service import list_research_questions

    with obj.project.begin() as conn:
        rows = list_research_questions(conn, obj.study_id(conn))
    show(rows, as_json, ["position", "text", "themes"])


@rq.command("link")
@click.argument("number", type=int)
@click.argument("theme")
@pass_ctx
def rq_link(obj: Ctx, number: int, theme: str) -> None:
    """Link a theme (or category) to research question NUMBER."""
    from kvali.codes.service import code_id
    from kvali.studies.service import link_theme

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        link_theme(conn, sid, question=number, code_id=code_id(conn, sid, theme))


@rq.command("condense")
@click.argument("number", type=int)
@click.argument("text")
@pass_ctx
def rq_condense(obj: Ctx, number: int, text: str) -> None:
    """Write the condensed meaning for research question NUMBER (a condensation memo)."""
    from kvali.memos.service import add_memo
    from kvali.studies.service import research_question_id

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        add_memo(
            conn,
            sid,
            text=text,
            target_type="research_question",
            target_id=research_question_id(conn, sid, number),
            kind="condensation",
        )


@click.group()
def guide() -> None:
    """The interview guide: topics → questions → prompt keywords."""


@guide.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def guide_import(obj: Ctx, file: Path) -> None:
    """Replace the guide from a YAML or Markdown file."""
    from kvali.guides.io import read_guide
    from kvali.guides.service import replace_guide

    data = read_guide(file)
    with obj.project.begin() as conn:
        counts = replace_guide(conn, obj.study_id(conn), data)
    click.echo(_("guide: {topics} topics, {questions} questions, {keywords} keywords", **counts))


@guide.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "md"]), default="yaml", show_default=True
)
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None)
@pass_ctx
def guide_export(obj: Ctx, fmt: str, out: Path | None) -> None:
    from kvali.guides.io import to_markdown, to_yaml
    from kvali.guides.service import get_guide

    with obj.project.begin() as conn:
        data = get_guide(conn, obj.study_id(conn))
    text = to_yaml(data) if fmt == "yaml" else to_markdown(data)
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        click.echo(text)


@guide.command("show")
@json_option
@pass_ctx
def guide_show(obj: Ctx, as_json: bool) -> None:
    from kvali.guides.io import to_markdown
    from kvali.guides.service import get_guide

    with obj.project.begin() as conn:
        data = get_guide(conn, obj.study_id(conn))
    emit_json(data) if as_json else click.echo(to_markdown(data))


COMMANDS = [study, rq, guide]
