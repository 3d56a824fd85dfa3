"""axe-core (the npm package, pinned in scripts/test.sh) on every page of the workbench, in real
Chromium: no serious or critical violation. The workbench's CSP forbids injected scripts, so the
audit's browser context bypasses it (the pages themselves are served as always)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import TOKEN
from tests.web.test_browser import browser, site  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("KVALI_AXE_JS") or ROOT / "node_modules/axe-core/axe.min.js")

# Every page of the stage menu (web/nav.py), and the deep pages a researcher works in.
PAGES = ["/overview", "/guide", "/participants", "/interviews", "/transcription",
         "/pseudonymize", "/codebook", "/retrieve", "/suggestions", "/categories", "/blind",
         "/charts", "/frameworks", "/agreement", "/coverage", "/talkstats", "/search", "/memos",
         "/quotes", "/reports", "/exchange", "/events", "/interviews/1/transcript"]  # fmt: skip


@pytest.fixture(scope="module")
def audit_page(browser: Any, site: dict[str, Any]) -> Iterator[Any]:  # noqa: F811
    assert AXE.is_file(), f"axe-core is not installed ({AXE}): bash scripts/test.sh installs it"
    context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    pg = context.new_page()
    pg.goto(f"{site['url']}/overview?token={TOKEN}")
    yield pg
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_or_critical_violation(audit_page: Any, site: dict[str, Any], path: str) -> None:  # noqa: F811
    audit_page.goto(site["url"] + path)
    audit_page.add_script_tag(path=str(AXE))
    found = audit_page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`);
        }"""
    )
    assert found == [], path


def test_axe_finds_what_it_looks_for(audit_page: Any, site: dict[str, Any]) -> None:  # noqa: F811
    """The audit can fail: a button without a name and grey-on-white text are reported."""
    audit_page.goto(site["url"] + "/overview")
    audit_page.evaluate(
        """() => { const b = document.createElement('button'); document.body.append(b);
                   const p = document.createElement('p'); p.textContent = 'faint';
                   p.style.color = '#ddd'; document.body.append(p); }"""
    )
    audit_page.add_script_tag(path=str(AXE))
    ids = audit_page.evaluate("async () => (await axe.run(document)).violations.map(v => v.id)")
    assert "button-name" in ids and "color-contrast" in ids
