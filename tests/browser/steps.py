"""What people do in the browser tests: sign in, take a screenshot, read a page's text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.api.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def sign_in(page: Any, base_url: str, username: str, start: str = "/") -> None:
    """Open `start`, land on the sign-in form, sign in with the keyboard."""
    page.goto(f"{base_url}{start}")
    assert "/login" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def shot(page: Any, artifacts: Path, name: str) -> None:
    """A full-page screenshot kept as a test artefact."""
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def fits_width(page: Any) -> bool:
    """Nothing makes the page scroll sideways."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))
