"""axe-core in the page under test: the script from the axe-playwright-python package on disk."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

BLOCKING = ("serious", "critical")


def axe_source() -> str:
    """axe.min.js as the package ships it (never fetched from a network)."""
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def blocking_violations(page: Any) -> list[str]:
    """The page's serious and critical accessibility violations, one line each."""
    # Evaluated through the browser's debugging protocol, so the pages' CSP does not apply.
    page.evaluate(axe_source())
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'],"
        " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
        " 'best-practice']}})"
    )
    found = []
    for violation in result["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found
