"""Every shared sample imported once per backend and test session (the NVivo files take seconds)."""

from __future__ import annotations

from collections.abc import Iterator
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

    if not SAMPLES.is_dir():
        pytest.skip(f"REFI-QDA samples not found at {SAMPLES}")
    factory = ProjectFactory(request.param, _templates, tmp_path_factory.mktemp("refi"))
    out = {}
    for i, path in enumerate(sorted(SAMPLES.iterdir())):
        project = factory(f"s{i}")
        fn = import_qdc if path.suffix == ".qdc" else import_qdpx
        out[path.name] = (project, fn(project, path))
    yield out
    factory.close()
