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
            for f in bad:
                click.echo(
                    _(
                        "{model}: {file}: {status}",
                        model=m["name"],
                        file=f["path"],
                        status=term("weights_status", f["status"]),
                    )  # fmt: skip
                )
            if bad or m["status"] == "not installed":
                hint = (
                    m["made_from"] if m["status"] == "missing" and m["made_from"] else m["install"]
                )
                click.echo(_("{model}: {hint}", model=m["name"], hint=hint))
        click.echo(_("models lock: {path}", path=weights.LOCK_FILE))
    if any(m["status"] == "changed" for m in found):
        ctx.exit(1)


COMMANDS = [models]
