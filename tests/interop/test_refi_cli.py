"""``kvali import-qdpx|export-qdpx|import-qdc|export-qdc`` with ``--project`` and ``--json``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kvali.cli import cli
from tests.conftest import snapshot

from .refi_helpers import small_qdpx


def run(*args: object, code: int = 0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_cli_round_trip(project, make_project, tmp_path: Path) -> None:
    p = project.path
    data = json.loads(run("-p", p, "import-qdpx", small_qdpx(tmp_path / "in.qdpx"), "--json"))
    assert data["counts"]["codings"] == 2 and data["warnings"] == []
    out = json.loads(run("-p", p, "export-qdpx", tmp_path / "out.qdpx", "--json"))
    assert out["counts"]["codings"] == 2
    run("-p", p, "export-qdc", tmp_path / "book.qdc")
    other = make_project("other")
    assert "codes 2" in run("-p", other.path, "import-qdc", tmp_path / "book.qdc")
    again = json.loads(run("-p", other.path, "import-qdpx", tmp_path / "out.qdpx", "--json"))
    assert again["counts"]["codings"] == 2 and again["counts"]["codes_reused"] == 2


def test_cli_bad_file_exits_2_and_writes_nothing(project, tmp_path: Path) -> None:
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"PK\x03\x04broken")
    before = snapshot(project)
    assert "not a readable .qdpx" in run("-p", project.path, "import-qdpx", bad, code=2)
    assert snapshot(project) == before
