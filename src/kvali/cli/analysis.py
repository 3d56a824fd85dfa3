"""CLI: inter-coder agreement, blind double coding, disagreement review, theory framework
matrices and interview-guide coverage."""

from __future__ import annotations

from pathlib import Path

import click

from kvali.cli.base import Ctx, emit_json, json_option, lang_option, pass_ctx, span_options, table
from kvali.i18n import _


def _fmt(v: object) -> str:
    return "–" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


@click.command("agreement")
@click.option("--coder", "coders", multiple=True, help="Coder (twice; default: the two busiest).")
@click.option("--interview", default=None, help="Only this interview.")
@click.option(
    "--level", type=click.Choice(["char", "turn", "sentence"]), default="char", show_default=True
)
@click.option(
    "--include-uncoded/--exclude-uncoded",
    default=True,
    show_default=True,
    help="Count text neither coder coded.",
)
@click.option("--cycle", type=int, default=None, help="Coding cycle (default: current).")
@click.option(
    "--live", is_flag=True, help="Current codings, not as they were when blind mode ended."
)
@json_option
@pass_ctx
def agreement_cmd(
    obj: Ctx,
    coders: tuple[str, ...],
    interview: str | None,
    level: str,
    include_uncoded: bool,
    cycle: int | None,
    live: bool,
    as_json: bool,
) -> None:
    """Percent agreement, Cohen's kappa, Krippendorff's alpha and alpha_u of two coders."""
    from kvali.analysis.agreement import agreement

    with obj.project.begin() as conn:
        data = agreement(
            conn,
            obj.study_id(conn),
            coders=coders or None,
            interview=interview,
            level=level,
            include_uncoded=include_uncoded,
            cycle=cycle,
            frozen=not live,
        )
    if as_json:
        emit_json(data)
        return
    cols = ["code", "units", "both", "only_a", "only_b", "percent", "kappa", "alpha", "alpha_u"]
    uncoded = _("with uncoded text") if include_uncoded else _("without uncoded text")
    click.echo(
        _(
            "coders: {coders} · level {level} · {uncoded} · cycle {cycle}",
            coders=" vs ".join(data["coders"]),
            level=level,
            uncoded=uncoded,
            cycle=data["cycle"],
        )
    )
    if data["held_back"]:
        joined = ", ".join(data["held_back"])
        click.echo(_("left out while their blind round is open: {interviews}", interviews=joined))
    for tr in data["transcripts"]:
        click.echo(f"\n{tr['interview']}")
        table([{k: _fmt(r.get(k)) for k in cols} for r in tr["codes"]], cols)
    click.echo(
        "\n"
        + _("overall:")
        + " "
        + "  ".join(
            f"{k} {_fmt(data['overall'][k])}"
            for k in ("percent", "kappa", "alpha", "alpha_u", "mean_kappa")
        )
    )


@click.group("blind")
def blind() -> None:
    """Blind double coding: coders see only their own codings until all are done."""


@blind.command("start")
@click.argument("interview")
@click.option("--coder", "coders", multiple=True, required=True, help="A coder (two or more).")
@json_option
@pass_ctx
def blind_start(obj: Ctx, interview: str, coders: tuple[str, ...], as_json: bool) -> None:
    from kvali.analysis.blind import set_blind
    from kvali.transcripts.service import transcript_id_for

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        state = set_blind(conn, sid, transcript_id_for(conn, sid, interview), coders=coders)
    emit_json(state) if as_json else click.echo(
        _("{interview} is blind for {coders}", interview=interview, coders=", ".join(coders))
    )


@blind.command("done")
@click.argument("interview")
@click.option("--coder", required=True)
@json_option
@pass_ctx
def blind_done(obj: Ctx, interview: str, coder: str, as_json: bool) -> None:
    from kvali.analysis.blind import mark_done
    from kvali.transcripts.service import transcript_id_for

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        state = mark_done(conn, sid, transcript_id_for(conn, sid, interview), coder=coder)
    if as_json:
        emit_json(state)
    else:
        click.echo(
            _("comparison open")
            if state["open"]
            else _("{coder} done; waiting for the others", coder=coder)
        )


@blind.command("status")
@json_option
@pass_ctx
def blind_status(obj: Ctx, as_json: bool) -> None:
    from kvali.analysis.blind import list_blind

    with obj.project.begin() as conn:
        rows = list_blind(conn, obj.study_id(conn))
    if as_json:
        emit_json(rows)
        return
    table(
        [
            {
                "interview": r["interview"],
                "open": r["open"],
                "coders": [f"{c['name']}{' ✓' if c['done_at'] else ''}" for c in r["coders"]],
            }
            for r in rows
        ],
        ["interview", "open", "coders"],
    )


@blind.command("codings")
@click.argument("interview")
@click.option("--viewer", required=True, help="Whose view.")
@json_option
@pass_ctx
def blind_codings(obj: Ctx, interview: str, viewer: str, as_json: bool) -> None:
    """The codings this viewer may see on the interview."""
    from kvali.analysis.blind import visible_codings
    from kvali.transcripts.service import transcript_id_for

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        rows = visible_codings(conn, sid, transcript_id_for(conn, sid, interview), viewer=viewer)
    if as_json:
        emit_json(rows)
    else:
        table(rows, ["id", "code", "coder", "start_char", "end_char", "text"])


@click.group("disagreements", invoke_without_command=True)
@click.option("--interview", default=None)
@click.option("--coder", "coders", multiple=True, help="The two coders.")
@click.option("--all", "include_agreements", is_flag=True, help="Show agreements too.")
@json_option
@click.pass_context
def disagreements_cmd(
    ctx: click.Context,
    interview: str | None,
    coders: tuple[str, ...],
    include_agreements: bool,
    as_json: bool,
) -> None:
    """Side by side: where the two coders differ on an interview."""
    if ctx.invoked_subcommand is not None:
        return
    if interview is None or len(coders) != 2:
        raise click.UsageError(_("give --interview and two --coder"))
    from kvali.analysis.disagreements import disagreements

    obj: Ctx = ctx.find_object(Ctx)
    with obj.project.begin() as conn:
        items = disagreements(
            conn,
            obj.study_id(conn),
            interview=interview,
            coders=coders,
            include_agreements=include_agreements,
        )
    if as_json:
        emit_json(items)
        return
    for it in items:
        click.echo(f"[{it['kind']}] {it['start_char']}–{it['end_char']}: {it['text'][:100]!r}")
        for side, name in (("a", coders[0]), ("b", coders[1])):
            for c in it[side]:
                click.echo(
                    f"    {name}: #{c['id']} {c['code']} [{c['start_char']}–{c['end_char']}]"
                )
    click.echo(_("({n} items)", n=len(items)))


@disagreements_cmd.command("resolve")
@click.argument("interview")
@click.option(
    "--replace",
    "replace",
    multiple=True,
    type=int,
    required=True,
    help="Coding id to close (repeat).",
)
@click.option("--code", default=None, help="Consensus code (omit: the passage stays uncoded).")
@span_options()
@click.option("--memo", default="", help="Why the coders agreed on this.")
@json_option
@pass_ctx
def disagreements_resolve(
    obj: Ctx,
    interview: str,
    replace: tuple[int, ...],
    code: str | None,
    start: int | None,
    end: int | None,
    memo: str,
    as_json: bool,
) -> None:
    """Resolve to a consensus coding; both coders' versions stay in the history."""
    from kvali.analysis.disagreements import resolve
    from kvali.transcripts.service import transcript_id_for

    consensus = []
    if code is not None:
        if start is None or end is None:
            raise click.UsageError(_("a consensus code needs --start and --end"))
        consensus = [{"code": code, "start": start, "end": end}]
    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        out = resolve(
            conn,
            sid,
            transcript_id=transcript_id_for(conn, sid, interview),
            replace=replace,
            consensus=consensus,
            memo=memo,
        )
    emit_json(out) if as_json else click.echo(
        _("resolution {id}: {ids}", id=out["id"], ids=out["consensus_ids"])
    )


@click.group("framework")
def framework() -> None:
    """Theory frameworks and the framework × interview evidence matrix."""


@framework.command("list")
@click.option("--shipped", is_flag=True, help="The frameworks kvali ships.")
@lang_option()
@json_option
@pass_ctx
def framework_list(obj: Ctx, shipped: bool, lang: str, as_json: bool) -> None:
    from kvali.analysis.frameworks import list_frameworks, list_shipped

    if shipped:
        rows = list_shipped(lang)
    else:
        with obj.project.begin() as conn:
            rows = list_frameworks(conn, obj.study_id(conn))
    emit_json(rows) if as_json else table(rows, ["key", "name", "items"])


@framework.command("add")
@click.argument("key")
@lang_option()
@click.option("--as-codes", is_flag=True, help="Also add it to the codebook as a theme.")
@pass_ctx
def framework_add(obj: Ctx, key: str, lang: str, as_codes: bool) -> None:
    """Load a shipped framework (see `framework list --shipped`)."""
    from kvali.analysis.frameworks import add_framework

    with obj.project.begin() as conn:
        fid = add_framework(conn, obj.study_id(conn), key=key, language=lang, as_codes=as_codes)
    click.echo(_("framework {id} added", id=fid))


@framework.command("import")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--as-codes", is_flag=True)
@pass_ctx
def framework_import(obj: Ctx, path: Path, as_codes: bool) -> None:
    """Load a framework from a REFI-QDA codebook (.qdc)."""
    from kvali.analysis.frameworks import add_framework

    with obj.project.begin() as conn:
        fid = add_framework(conn, obj.study_id(conn), path=path, as_codes=as_codes)
    click.echo(_("framework {id} added", id=fid))


@framework.command("link")
@click.argument("framework_ref")
@click.argument("item")
@click.argument("codes", nargs=-1, required=True)
@pass_ctx
def framework_link(obj: Ctx, framework_ref: str, item: str, codes: tuple[str, ...]) -> None:
    """Map study codes to an item (number or name): their codings are explicit evidence."""
    from kvali.analysis.frameworks import link_codes

    with obj.project.begin() as conn:
        link_codes(conn, obj.study_id(conn), framework=framework_ref, item=item, codes=codes)


@framework.command("matrix")
@click.argument("framework_ref")
@click.option(
    "--by", type=click.Choice(["interview", "theme"]), default="interview", show_default=True
)
@json_option
@pass_ctx
def framework_matrix_cmd(obj: Ctx, framework_ref: str, by: str, as_json: bool) -> None:
    """Item × interview (or × theme): explicit / implicit / not found (* = set by researcher)."""
    from kvali.analysis.matrix import framework_matrix

    with obj.project.begin() as conn:
        m = framework_matrix(conn, obj.study_id(conn), framework_ref, by=by, viewer=obj.viewer)
    if as_json:
        emit_json(m)
        return
    cols = ["item"] + [c["label"] for c in m["columns"]]
    table(
        [
            {
                "item": r["item"],
                **{c["column"]: c["level"] + ("*" if c["set"] else "") for c in r["cells"]},
            }
            for r in m["rows"]
        ],
        cols,
    )


@framework.command("set")
@click.argument("framework_ref")
@click.argument("item")
@click.argument("level", type=click.Choice(["explicit", "implicit", "not_found"]))
@click.option("--interview", default=None)
@click.option("--theme", default=None)
@click.option("--note", default="")
@click.option("--coding", "coding_ids", multiple=True, type=int, help="Supporting coding id.")
@pass_ctx
def framework_set(
    obj: Ctx,
    framework_ref: str,
    item: str,
    level: str,
    interview: str | None,
    theme: str | None,
    note: str,
    coding_ids: tuple[int, ...],
) -> None:
    """Set the evidence level of one cell (the researcher's judgement)."""
    from kvali.analysis.matrix import set_evidence

    with obj.project.begin() as conn:
        set_evidence(
            conn,
            obj.study_id(conn),
            framework=framework_ref,
            item=item,
            level=level,
            interview=interview,
            theme=theme,
            note=note,
            coding_ids=coding_ids,
        )


@click.command("coverage")
@click.option("--interview", default=None)
@click.option(
    "--semantic", is_flag=True, help="Also semantic similarity (local model, if installed)."
)
@json_option
@pass_ctx
def coverage_cmd(obj: Ctx, interview: str | None, semantic: bool, as_json: bool) -> None:
    """Which guide topics, questions and prompt keywords each interview touched."""
    from kvali.analysis.coverage import guide_coverage

    with obj.project.begin() as conn:
        data = guide_coverage(conn, obj.study_id(conn), interview=interview, semantic=semantic)
    if as_json:
        emit_json(data)
        return
    for iv in data["interviews"]:
        s = iv["summary"]
        click.echo(
            _(
                "{interview}: topics {t}/{tn}, questions {q}/{qn}, keywords {k}/{kn}",
                interview=iv["interview"],
                t=s["topics_touched"],
                tn=s["topics"],
                q=s["questions_touched"],
                qn=s["questions"],
                k=s["keywords_touched"],
                kn=s["keywords"],
            )
        )
        for tp in iv["topics"]:
            for q in tp["questions"]:
                missed = [k["text"] for k in q["keywords"] if not k["touched"]]
                mark = "✓" if q["touched"] else "✗"
                click.echo(
                    f"  {mark} {q['text'][:70]}"
                    + ("  " + _("(not: {keywords})", keywords=", ".join(missed)) if missed else "")
                )
    never = data["study"]["never_touched"]
    click.echo(
        _(
            "never touched: {topics} · method {method}",
            topics=", ".join(never) if never else _("none"),
            method=data["method"],
        )
    )


COMMANDS = [agreement_cmd, blind, disagreements_cmd, framework, coverage_cmd]
