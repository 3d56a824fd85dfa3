"""Accessibility checks in real Chromium: every form control has a label, every visible text
meets WCAG AA contrast (4.5:1, 3:1 for large text), and the main controls are reachable with Tab.

Uses the module-scoped live server and browser of test_browser.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import TOKEN
from tests.web.test_browser import CHROMIUM, browser, page, site  # noqa: F401 - fixtures

PAGES = ["/overview", "/participants", "/interviews", "/codebook", "/search", "/reports",
         "/memos", "/events", "/agreement", "/coverage", "/suggestions", "/pseudonymize",
         "/retrieve", "/charts"]  # fmt: skip

AUDIT = """
() => {
  const lum = (r, g, b) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const rgba = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  const problems = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (!own || r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || el.closest('svg')) continue;
    const fg = rgba(cs.color), bg = background(el);
    const [a, b] = [lum(...fg.slice(0, 3)), lum(...bg.slice(0, 3))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) problems.push(`contrast ${ratio.toFixed(2)} < ${need}: ${el.tagName} «${el.textContent.trim().slice(0, 40)}»`);
  }
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.type === 'hidden' || el.getBoundingClientRect().width === 0) continue;
    const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.title ||
      (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label') ||
      (['button', 'submit'].includes(el.type) || el.tagName === 'BUTTON') && (el.textContent.trim() || el.value);
    if (!named) problems.push(`unlabelled ${el.tagName} name=${el.name || ''} id=${el.id || ''}`);
  }
  return problems;
}
"""


@pytest.mark.parametrize("path", PAGES)
def test_labels_and_contrast(page: Any, site: dict[str, Any], path: str) -> None:  # noqa: F811
    page.goto(f"{site['url']}{path}?token={TOKEN}")
    assert page.evaluate(AUDIT) == []


def test_main_controls_are_reachable_with_the_keyboard(page: Any, site: dict[str, Any]) -> None:  # noqa: F811
    page.goto(f"{site['url']}/search?token={TOKEN}")
    reached = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(
            page.evaluate(
                "document.activeElement && (document.activeElement.name || document.activeElement.id || document.activeElement.tagName)"
            )
        )
    # the search box, the filters and the submit button all take focus in turn
    assert {"q", "code", "mode"} <= reached, reached


def test_the_audit_finds_what_it_looks_for(page: Any, site: dict[str, Any]) -> None:  # noqa: F811
    """The check above cannot pass vacuously: planted faults are reported."""
    page.goto(f"{site['url']}/overview?token={TOKEN}")
    page.evaluate(
        """() => {
        const p = document.createElement('p'); p.textContent = 'pale text';
        p.style.color = '#ccc'; p.style.background = '#fff'; document.body.append(p);
        const i = document.createElement('input'); i.name = 'nolabel'; document.body.append(i);
    }"""
    )
    found = page.evaluate(AUDIT)
    assert any("pale text" in f for f in found) and any("nolabel" in f for f in found)
