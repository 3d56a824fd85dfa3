"""Fixtures: every project fixture runs once on SQLite and once on PostgreSQL.

PostgreSQL runs when ``KVALI_TEST_POSTGRES_URL`` names a server (``.ci/run`` starts one); under
CI its absence is an error, not a skip. Each PostgreSQL project gets its own database, cloned
from a migrated template, so tests stay isolated and fast.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from kvali.project import DB_FILE, Project

PG_URL = os.environ.get("KVALI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

if os.environ.get("CI") and not PG_URL:
    raise pytest.UsageError("CI must run the suite on PostgreSQL too: set KVALI_TEST_POSTGRES_URL")


def _pg_admin() -> sa.Engine:
    assert PG_URL
    return sa.create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )


def _pg_url(dbname: str) -> str:
    assert PG_URL
    return PG_URL.rsplit("/", 1)[0] + "/" + dbname


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A migrated empty project per backend, copied for each test."""
    sqlite_dir = tmp_path_factory.mktemp("template") / "project"
    Project.init(sqlite_dir).close()
    templates = {"sqlite": str(sqlite_dir)}
    admin = None
    if PG_URL:
        admin = _pg_admin()
        name = f"kvali_tpl_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE {name}")
        tpl = tmp_path_factory.mktemp("pgtemplate") / "project"
        Project.init(tpl, database_url=_pg_url(name)).close()
        templates["postgresql"] = name
    yield templates
    if admin is not None:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {templates['postgresql']} WITH (FORCE)")
        admin.dispose()


class ProjectFactory:
    """Makes fresh, migrated, empty projects on one backend."""

    def __init__(self, backend: str, templates: dict[str, str], root: Path):
        self.backend, self.templates, self.root = backend, templates, root
        self.databases: list[str] = []
        self.projects: list[Project] = []

    def __call__(self, name: str | None = None) -> Project:
        path = self.root / (name or f"p{len(self.projects)}")
        path.mkdir(parents=True)
        (path / "media").mkdir()
        (path / "exports").mkdir()
        if self.backend == "sqlite":
            shutil.copy2(Path(self.templates["sqlite"]) / DB_FILE, path / DB_FILE)
            project = Project.open(path)
        else:
            db = f"kvali_t_{uuid.uuid4().hex[:10]}"
            with _pg_admin().connect() as c:
                c.exec_driver_sql(f"CREATE DATABASE {db} TEMPLATE {self.templates['postgresql']}")
            self.databases.append(db)
            url = _pg_url(db)
            (path / "kvali.toml").write_text(f'database_url = "{url}"\n', encoding="utf-8")
            project = Project.open(path)
        self.projects.append(project)
        return project

    def close(self) -> None:
        for p in self.projects:
            p.close()
        if self.databases:
            admin = _pg_admin()
            with admin.connect() as c:
                for db in self.databases:
                    c.exec_driver_sql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_project(
    backend: str, _templates: dict[str, str], tmp_path: Path
) -> Iterator[ProjectFactory]:
    factory = ProjectFactory(backend, _templates, tmp_path / "projects")
    yield factory
    factory.close()


@pytest.fixture
def project(make_project: ProjectFactory) -> Project:
    return make_project()


@pytest.fixture
def study(project: Project) -> tuple[Project, int]:
    """A project with an empty study."""
    from kvali.studies.service import create_study

    with project.begin() as conn:
        sid = create_study(conn, title="Test study", problem_statement="How?", language="nb")
    return project, sid


@pytest.fixture(scope="session", params=BACKENDS)
def demo_project(
    request: pytest.FixtureRequest,
    _templates: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Project]:
    """The demo study, built once per backend (read-only use in tests!)."""
    from kvali.demo.build import populate_demo

    factory = ProjectFactory(request.param, _templates, tmp_path_factory.mktemp("demo"))
    project = factory("demo")
    populate_demo(project)
    yield project
    factory.close()


def snapshot(project: Project) -> dict[str, list[tuple]]:
    """Every row of every table, to prove a failed operation wrote nothing."""
    from kvali.db.tables import all_metadata

    metadata = all_metadata()
    out = {}
    with project.begin() as conn:
        for table in metadata.sorted_tables:
            cols = [c for c in table.c if c.name != "payload"] + (
                [table.c.payload] if "payload" in table.c else []
            )
            out[table.name] = sorted(
                (tuple(str(v) for v in row) for row in conn.execute(sa.select(*cols))), key=str
            )
    return out


# Under CI every part must really run: a skip there means a missing install (Chromium, a model
# package, the REFI samples), which must fail the run instead of passing quietly.
EXPECTED_SKIPS = ("PostgreSQL planner fallback",)
_unexpected_skips: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if os.environ.get("CI") and report.skipped:
        reason = str(report.longrepr)
        if not any(expected in reason for expected in EXPECTED_SKIPS):
            _unexpected_skips.append(f"{report.nodeid}: {reason}")


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if os.environ.get("CI") and report.skipped:
        _unexpected_skips.append(f"{report.nodeid}: {report.longrepr}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _unexpected_skips:
        print("\nUnexpected skips under CI (a missing install?):")
        for line in _unexpected_skips:
            print("  " + line)
        session.exitstatus = 1
