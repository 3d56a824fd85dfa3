"""CLI: the models lock — which weights kvali loads, their licence and source, and their state."""

from __future__ import annotations

import sys

import click

from kvali.cli.base import emit_json, json_option, table


@click.group("models", invoke_without_command=True)
@json_option
@click.pass_context
def models(ctx: click.Context, as_json: bool) -> None:
    """Every weight file kvali loads (speech, speaker, NER, embeddings, and speech models fetched
    with `kvali models fetch`), its pinned sha256, licence and source, and whether it is present
    and verified. Exits 1 when a file was changed."""
    if ctx.invoked_subcommand is not None:
        return
    from kvali import weights
    from kvali.i18n import _
    from kvali.terms import term

    found = weights.status()
    if as_json:
        emit_json({"lock": str(weights.LOCK_FILE), "models": found})
    else:
        rows = [
            m | {"model": m["name"], "status": term("weights_status", m["status"])} for m in found
        ]
        table(rows, ["model", "use", "status", "licence", "package"])
        for m in found:
            bad = [f for f in m["files"] if f["status"] in ("missing", "changed")]
            if m["made_from"] and bad and all(f["status"] == "missing" for f in m["files"]):
                click.echo(_("{model}: not made yet ({how})", model=m["name"], how=m["made_from"]))
                continue
            for f in bad:
                status = term("weights_status", f["status"])
                click.echo(
                    _("{model}: {file}: {status}", model=m["name"], file=f["path"], status=status)
                )
            if bad or m["status"] == "not installed":
                click.echo(_("{model}: {hint}", model=m["name"], hint=m["install"]))
        click.echo(_("models lock: {path}", path=weights.LOCK_FILE))
    if any(m["status"] == "changed" for m in found):
        ctx.exit(1)


@models.command("available")
@json_option
def available(as_json: bool) -> None:
    """The speech models `kvali models fetch` can download, their source and size."""
    from kvali.i18n import _
    from kvali.pipelines.stt.fetch import CATALOGUE, installed_folder

    rows = [
        {
            "model": e.name,
            "repository": e.url(),
            "size": e.about,
            "licence": e.licence,
            "norwegian": e.norwegian,
            "installed": installed_folder(e.name) is not None,
        }
        for e in CATALOGUE.values()
    ]
    if as_json:
        emit_json({"models": rows})
        return
    table(
        [r | {"installed": _("yes") if r["installed"] else ""} for r in rows],
        ["model", "size", "licence", "installed", "repository"],
    )


@models.command("fetch")
@click.argument("name")
@click.option(
    "--allow-download",
    is_flag=True,
    envvar="KVALI_ALLOW_DOWNLOAD",
    help="Let kvali download the model (without it nothing leaves this machine).",
)
@click.option("--force", is_flag=True, help="Download again even when it is installed.")
@json_option
def fetch(name: str, allow_download: bool, force: bool, as_json: bool) -> None:
    """Download speech model NAME (see `kvali models available`) into the user cache, checking
    every file's size and sha256 against the hub's record; an interrupted download resumes."""
    from kvali.i18n import _
    from kvali.pipelines.stt import fetch as fetch_mod

    if as_json:
        result = fetch_mod.fetch(name, allow_download=allow_download, force=force)
        emit_json(result)
        return
    bar: dict[str, object] = {}

    def progress(file: str, now: int, total: int) -> None:
        if "bar" not in bar:
            b = click.progressbar(length=total, label=name, file=sys.stderr, show_eta=True)
            b.__enter__()
            bar["bar"], bar["at"] = b, 0
        b = bar["bar"]
        b.update(now - int(bar["at"]))  # type: ignore[attr-defined]
        bar["at"] = now

    try:
        result = fetch_mod.fetch(
            name, allow_download=allow_download, force=force, progress=progress
        )
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)  # type: ignore[attr-defined]
    if result["status"] == "already installed":
        click.echo(
            _(
                "{name} is already installed in {folder} (verified)",
                name=name,
                folder=result["folder"],
            )
        )
    else:
        size = sum(f["size"] for f in result["files"])
        click.echo(
            _(
                "{name} installed in {folder}: {n} files, {mb} MB, sha256 checked against {source} at {commit}",
                name=name,
                folder=result["folder"],
                n=len(result["files"]),
                mb=round(size / 1e6, 1),
                source=result["source"],
                commit=result["commit"][:12],
            )
        )


COMMANDS = [models]
