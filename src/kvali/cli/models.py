"""CLI: the models lock — which weights kvali loads, their licence and source, and their state."""

from __future__ import annotations

import click

from kvali.cli.base import emit_json, json_option, table


@click.command("models")
@json_option
@click.pass_context
def models(ctx: click.Context, as_json: bool) -> None:
    """Every weight file kvali loads (speech, speaker, NER, embeddings), its pinned sha256, licence
    and source, and whether it is present and verified. Exits 1 when a file was changed."""
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


COMMANDS = [models]
