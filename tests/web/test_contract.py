"""The API keeps the contract its OpenAPI document states (web/contract.py).

schemathesis (an OpenAPI fuzzer written by nobody here) sends a few generated requests to every
operation of the demo workbench: schema-valid ones and ones that break the schema. Every answer
must be a declared status with a declared content type and a body that fits the declared
schema, and none may be a server error. The run is bounded (fixed seed, ``EXAMPLES`` per
operation) and goes against a throw-away copy of the demo study, destructive operations
included (withdrawal, apply, key destruction); the database is checked whole afterwards.

``KVALI_FUZZ_EXAMPLES=15`` runs it as the issue did (15 per operation); see docs/web.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.conftest import TOKEN  # noqa: E402

# The token, and a Host the workbench answers for (schemathesis' ASGI client says "testserver").
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Host": "127.0.0.1:8765"}
EXAMPLES = int(os.environ.get("KVALI_FUZZ_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Each of these runs a model over the whole study (names, embeddings) for seconds per request;
# their validation is the same as every other route's and is fuzzed by the unbounded run.
SLOW = {
    ("POST", "/api/privacy/detect"),
    ("POST", "/api/suggestions/run"),
    ("POST", "/api/categories/run"),
}


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from kvali.analysis.demo import add_demo_analysis
    from kvali.demo.build import populate_demo
    from kvali.project import Project
    from kvali.web import create_app

    project = Project.init(tmp_path_factory.mktemp("fuzz") / "demo")
    populate_demo(project)
    add_demo_analysis(project)  # a second coder, a framework matrix, guide coverage
    app = create_app(project, token=TOKEN, user="Forsker A")
    yield {"app": app, "project": project}
    project.close()


def fuzz(app: Any, examples: int, *, skip: set[tuple[str, str]]) -> dict[str, Any]:
    """Every operation, schema-valid and schema-breaking requests; failures collected per
    operation (each shrunk by Hypothesis to a small case) instead of stopping at the first."""
    from hypothesis import Phase, given
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app  # requests go to the app in-process (ASGI), not over a socket
    sent = {"requests": 0, "operations": 0}
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        op = result.ok()
        if (op.method.upper(), op.path) in skip:
            continue
        sent["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                derandomize=True,  # a fixed seed: the same requests every run
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                sent["requests"] += 1
                case.call_and_validate(headers=HEADERS, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:  # nothing to break: an operation without parameters or body
                continue
            except (Exception, BaseExceptionGroup) as exc:  # keep it, go on with the next
                failures[f"{op.method.upper()} {op.path} ({mode.value})"] = str(exc)[:2000]
    return sent | {"failures": failures}


def test_the_api_keeps_its_contract(demo_app: dict[str, Any]) -> None:
    skip = set() if os.environ.get("KVALI_FUZZ_ALL") == "1" else SLOW
    outcome = fuzz(demo_app["app"], EXAMPLES, skip=skip)
    print(f"schemathesis: {outcome['requests']} requests, {outcome['operations']} operations")
    assert outcome["operations"] >= 100
    failures = outcome["failures"]
    assert not failures, f"{len(failures)} failing:\n\n" + "\n\n".join(
        f"{name}: {text}" for name, text in sorted(failures.items())
    )


def test_the_database_survived_the_fuzzing(demo_app: dict[str, Any]) -> None:
    """After everything above: the SQLite file is sound, no row points at nothing, every coding
    lies inside its transcript, the event log only grew."""
    from kvali.db import schema as t

    project = demo_app["project"]
    path = Path(project.path) / "kvali.db"
    assert path.exists()
    with project.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        lengths = dict(
            conn.execute(
                sa.select(t.turns.c.transcript_id, sa.func.max(t.turns.c.end_char)).group_by(
                    t.turns.c.transcript_id
                )
            ).all()
        )
        for tid, start, end in conn.execute(
            sa.select(t.codings.c.transcript_id, t.codings.c.start_char, t.codings.c.end_char)
        ):
            assert 0 <= start < end <= lengths.get(tid, 0), (tid, start, end)
        events = conn.execute(sa.select(sa.func.count()).select_from(t.events)).scalar()
    assert events > 0
