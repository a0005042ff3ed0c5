"""The pages in headless Chromium: tenant scope, the board, an acknowledge click; screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import PASSWORD
from tests.browser.conftest import Live

pytestmark = [pytest.mark.servers, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _sign_in(browser: Any, live: Live, username: str, viewport: dict[str, int]) -> Any:
    page = browser.new_page(viewport=viewport)
    page.goto(f"{live.base_url}/")
    assert "/login" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # keyboard only: the form submits without a mouse
    return page


def test_tenant_sees_home_a_and_cannot_reach_b(browser: Any, live: Live, artifacts: Path) -> None:
    page = _sign_in(browser, live, "tenant-north", PHONE)
    assert page.url.endswith("/homes/victim-north-1")
    assert page.get_by_role("heading", name="Your home").is_visible()
    assert "1 North Rd" in page.content()
    assert page.get_by_role("heading", name="Mould risk in bathroom").is_visible()
    assert page.locator("svg.chart").count() >= 4
    page.screenshot(path=str(artifacts / "tenant-home-phone.png"), full_page=True)
    response = page.goto(f"{live.base_url}/homes/south-1")
    assert response is not None and response.status == 404
    assert "2 South Rd" not in page.content()
    page.close()


def test_board_lists_flagged_home_and_acknowledge_changes_it(
    browser: Any, live: Live, artifacts: Path
) -> None:
    page = _sign_in(browser, live, "officer-north", DESKTOP)
    assert page.url.endswith("/board")
    row = page.locator("#home-victim-north-1")
    assert row.is_visible() and "1 new" in row.inner_text()
    page.screenshot(path=str(artifacts / "board.png"), full_page=True)
    with page.expect_navigation():
        row.get_by_role("link", name="1 North Rd").click()
    case = page.locator(f"#alert-{live.alert_id}")
    assert case.locator("[data-status]").inner_text() == "open"
    with page.expect_navigation():
        case.get_by_role("button", name="Acknowledge").click()
    assert page.get_by_role("status").inner_text() == "The alert is acknowledged."
    assert page.locator(f"#alert-{live.alert_id} [data-status]").inner_text() == "acknowledged"
    page.screenshot(path=str(artifacts / "officer-home.png"), full_page=True)
    page.goto(f"{live.base_url}/board")
    assert "Acknowledged" in page.locator("#home-victim-north-1").inner_text()
    page.close()
