"""Every vendored sample imported once per backend and test session (the NVivo files take seconds)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BACKENDS, ProjectFactory

from .refi_helpers import SAMPLES


@pytest.fixture(scope="session", params=BACKENDS)
def imported_samples(
    request: pytest.FixtureRequest,
    _templates: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[Any, Any]]]:
    """Sample file name → (project, ImportResult), each sample in a fresh project."""
    from kvali.interop.refi import import_qdc, import_qdpx

    factory = ProjectFactory(request.param, _templates, tmp_path_factory.mktemp("refi"))
    out = {}
    for i, path in enumerate(sorted(SAMPLES.iterdir())):
        project = factory(f"s{i}")
        fn = import_qdc if path.suffix == ".qdc" else import_qdpx
        out[path.name] = (project, fn(project, path))
    yield out
    factory.close()


PYQDPX = "pyqdpx==0.1.8"  # needs Python >= 3.12 (its f-strings)


def _python312() -> str | None:
    """A Python >= 3.12 interpreter: $KVALI_TEST_PYTHON312, python3.13/3.12 on PATH, or pyenv's."""
    candidates = [os.environ.get("KVALI_TEST_PYTHON312"), "python3.13", "python3.12"]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        candidates += sorted(glob.glob(f"{root}/versions/3.1[2-9]*/bin/python3"), reverse=True)
    for cand in filter(None, candidates):
        exe = shutil.which(cand) or cand
        try:
            ok = subprocess.run(
                [exe, "-c", "import sys; sys.exit(sys.version_info < (3, 12))"],
                capture_output=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if ok.returncode == 0:
            return exe
    return None


@pytest.fixture(scope="session")
def pyqdpx() -> Callable[[str, Path], Any]:
    """Run tests/interop/pyqdpx_tool.py with pyqdpx, an independent REFI-QDA reader, in a venv
    made once under ~/.cache/kvali-tests (PyPI is reached on first use). Under CI a missing
    Python 3.12 fails the run instead of skipping."""
    python = _python312()
    if python is None:
        why = "no Python >= 3.12 for pyqdpx (set KVALI_TEST_PYTHON312 or install one via pyenv)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    cache = Path(os.environ.get("KVALI_TEST_CACHE") or Path.home() / ".cache" / "kvali-tests")
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    venv = cache / f"{PYQDPX.replace('==', '-')}-py{version}"
    if not (venv / "ok").exists():  # made whole or made again: "ok" is written last
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", PYQDPX]
        done = subprocess.run(pip, capture_output=True, text=True)
        assert done.returncode == 0, f"pip install {PYQDPX} failed:\n{done.stderr}"
        (venv / "ok").write_text(PYQDPX)
    tool = Path(__file__).with_name("pyqdpx_tool.py")

    def run(command: str, path: Path) -> Any:
        done = subprocess.run([str(venv / "bin" / "python"), str(tool), command, str(path)],
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run
