"""axe-core in the browser tests: every page checked for serious and critical violations.

axe-core is an npm package pinned in tests/browser/package.json; the README's test command
installs it (`npm ci --prefix tests/browser`). Without it the accessibility tests are skipped,
saying so, except where BROWSER_TESTS_REQUIRED is set (CI), where that is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}


def available() -> bool:
    return AXE.exists()


def require_axe() -> Path:
    if not AXE.exists():
        reason = f"no axe-core at {AXE} (npm ci --prefix tests/browser)"
        if os.environ.get("BROWSER_TESTS_REQUIRED"):
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE


def violations(page) -> list[dict]:
    """axe's serious and critical violations on the page as it stands (HTML pages only)."""
    if page.url == "about:blank" or page.evaluate("document.contentType") != "text/html":
        return []
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # The page's Content-Security-Policy would refuse an injected script; the
        # tests' browser contexts bypass it (conftest.py's page fixture).
        page.add_script_tag(path=str(require_axe()))
    found = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.failureSummary),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def describe(url: str, found: list[dict]) -> str:
    lines = [f"{url}:"]
    for v in found:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"      {node}" for node in v["nodes"][:5])
    return "\n".join(lines)


def assert_accessible(page, label: str = "") -> None:
    found = violations(page)
    if found:
        print(describe(label or page.url, found))
    assert not found, describe(label or page.url, found)
