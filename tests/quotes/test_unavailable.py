"""Without the Hunspell dictionary the quote check says it could not run: the demo skips its
renderings and says so, `kvali report` refuses unless told, and nothing passes as checked."""

from __future__ import annotations

import pytest

import kvali.quotes.check as check
import kvali.quotes.lexicon as lexicon
from kvali.errors import CheckUnavailable


@pytest.fixture
def no_dictionary(monkeypatch, tmp_path):
    monkeypatch.setattr(lexicon, "HUNSPELL_DIRS", (str(tmp_path / "none"),))
    monkeypatch.delenv("KVALI_HUNSPELL_DIR", raising=False)
    monkeypatch.setattr(check, "_CHECKERS", {})
    for name in dir(lexicon):  # the cached lexicons were read with the dictionary
        fn = getattr(lexicon, name)
        if callable(getattr(fn, "cache_clear", None)):
            fn.cache_clear()
    yield
    for name in dir(lexicon):
        fn = getattr(lexicon, name)
        if callable(getattr(fn, "cache_clear", None)):
            fn.cache_clear()


def test_demo_and_report_without_the_dictionary(no_dictionary, tmp_path):
    from kvali.demo.build import create_demo
    from kvali.project import Project
    from kvali.reports.service import write_study_reports

    said: list[str] = []
    create_demo(tmp_path / "demo", audio=False, progress=said.append)
    assert any("renderings of the quotes were skipped" in line for line in said)
    project = Project.open(tmp_path / "demo")
    with pytest.raises(CheckUnavailable, match="dialect check could not run"):
        write_study_reports(project, formats=["md"], out_dir=tmp_path / "r", check=True)
    summary: dict = {}
    write_study_reports(
        project, formats=["md"], out_dir=tmp_path / "r", check=False, quote_summary=summary
    )
    assert "Hunspell dictionary nb_NO is not installed" in summary["dialect_check"]
    project.close()
