"""`/predictions` in Chromium as an officer with 400 homes in the register: the homes to visit
first and the next sensors, readable on a desk and a phone, no serious axe violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.axe import blocking_violations
from tests.browser.conftest import Live
from tests.browser.steps import VIEWPORTS, fits_width, shot, sign_in

pytestmark = [pytest.mark.servers, pytest.mark.slow]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_an_officer_finds_the_homes_to_look_at_first(
    browser: Any, live_predicted: Live, artifacts: Path, viewport: str
) -> None:
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    sign_in(page, live_predicted.base_url, "officer-north")
    page.get_by_role("link", name="Homes to look at").click()
    page.wait_for_url("**/predictions")
    table = page.locator("#homes-to-visit")
    assert table.locator("tbody tr").count() == 50
    first = table.locator("tbody tr").first
    assert "Test Street" in first.inner_text() and "%" in first.inner_text()
    assert page.locator("#next-sensors tbody tr").count() == 20
    assert fits_width(page), "the page scrolls sideways"
    assert blocking_violations(page) == []
    shot(page, artifacts, f"predictions-{viewport}")
    page.get_by_role("link", name="A cold home").click()
    page.wait_for_url("**/predictions?kind=cold")
    assert "Homes to visit first: a cold home" in page.inner_text("main")
    page.close()
