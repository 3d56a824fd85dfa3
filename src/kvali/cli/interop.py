"""``kvali import-qdpx|export-qdpx|import-qdc|export-qdc``: REFI-QDA exchange with other QDA tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from kvali.cli.base import Ctx, emit_json, json_option, pass_ctx
from kvali.i18n import _


def _report(data: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        emit_json(data)
        return
    counts = ", ".join(
        f"{k} {v}" for k, v in data["counts"].items() if v and not k.endswith("_in_file")
    )
    click.echo(_("{verb}: {counts}", verb=verb, counts=counts or _("nothing")))
    for w in data["warnings"]:
        click.echo(_("warning: {message}", message=w), err=True)


@click.command("import-qdpx")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@pass_ctx
def import_qdpx_cmd(obj: Ctx, file: Path, as_json: bool) -> None:
    """Import a REFI-QDA project (.qdpx or .qde) from NVivo, ATLAS.ti, MAXQDA, QualCoder …

    All or nothing: on an error nothing is written. What cannot be imported is listed as warnings.
    """
    from kvali.interop.refi import import_qdpx

    _report(import_qdpx(obj.project, file).as_dict(), as_json, _("imported"))


@click.command("export-qdpx")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@pass_ctx
def export_qdpx_cmd(obj: Ctx, out: Path, as_json: bool) -> None:
    """Export the study as a REFI-QDA project (.qdpx)."""
    from kvali.interop.refi import export_qdpx

    _report(export_qdpx(obj.project, out).as_dict(), as_json, _("wrote {path}", path=out))


@click.command("import-qdc")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@pass_ctx
def import_qdc_cmd(obj: Ctx, file: Path, as_json: bool) -> None:
    """Import a REFI-QDA codebook (.qdc): codes, hierarchy, descriptions, colours, sets."""
    from kvali.interop.refi import import_qdc

    _report(import_qdc(obj.project, file).as_dict(), as_json, _("imported"))


@click.command("export-qdc")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@pass_ctx
def export_qdc_cmd(obj: Ctx, out: Path, as_json: bool) -> None:
    """Export the codebook as a REFI-QDA codebook (.qdc)."""
    from kvali.interop.refi import export_qdc

    _report(export_qdc(obj.project, out).as_dict(), as_json, _("wrote {path}", path=out))


COMMANDS = [import_qdpx_cmd, export_qdpx_cmd, import_qdc_cmd, export_qdc_cmd]
