"""An officer's Monday morning in Chromium: sign in, filter, sort, open a case, act, and come
back after the session renewed; a note typed while the session ended is not lost."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import SHORT_SESSION_S, Live
from tests.browser.steps import VIEWPORTS, fits_width, shot, sign_in

pytestmark = [pytest.mark.servers, pytest.mark.slow]


def _session_cookie(page: Any) -> str:
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    return cookies.get("dampwatch_session", "")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_officer_morning(browser: Any, live_short: Live, artifacts: Path, viewport: str) -> None:
    live = live_short
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    sign_in(page, live.base_url, "officer-north")
    signed_in_at = time.monotonic()
    first_cookie = _session_cookie(page)
    assert page.url.endswith("/board") and first_cookie
    counts = page.get_by_role("navigation", name="Counts")
    assert "homes open" in counts.inner_text() and "overdue" in counts.inner_text()
    assert fits_width(page) or viewport == "desktop"
    shot(page, artifacts, f"officer-1-board-{viewport}")

    # Filter to damp and mould: every row left has a damp light.
    page.get_by_label("Problem").select_option("damp")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    rows = page.locator("table.board tbody tr")
    assert rows.count() >= 3
    for index in range(rows.count()):
        assert "none" not in rows.nth(index).locator("td[data-label=Damp]").inner_text()

    # Sort by deadline: the first row is the one most overdue.
    with page.expect_navigation():
        if viewport == "desktop":  # the column heading sorts; on a phone, the form's choice
            page.get_by_role("link", name="Deadline").click()
        else:
            page.get_by_label("Sort by").select_option("due")
            page.get_by_role("button", name="Show").click()
    assert "sort=due" in page.url
    first_clock = rows.first.locator("td.clock .due").inner_text()
    assert first_clock.startswith("overdue"), first_clock
    shot(page, artifacts, f"officer-2-sorted-{viewport}")

    # Search by address, then open the case.
    page.get_by_label("Address, postcode or home id").fill("1 North Rd")
    page.get_by_label("Problem").select_option("")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert rows.count() == 1
    rows.first.locator("summary").click()  # the evidence, one click away
    assert "Bathroom:" in rows.first.locator("details.why").inner_text()
    with page.expect_navigation():
        rows.first.get_by_role("link", name="1 North Rd").click()
    case = page.locator(f"#alert-{live.alert_id}")
    assert "Mould risk in Bathroom" in case.inner_text()
    with page.expect_navigation():
        case.get_by_role("button", name="Acknowledge").click()
    assert page.get_by_role("status").first.inner_text() == "The case is acknowledged."
    case.get_by_label("Assign to").select_option("officer-north")
    with page.expect_navigation():
        case.get_by_role("button", name="Assign").click()
    assert "officer-north" in page.locator(f"#alert-{live.alert_id} dl.facts").inner_text()
    shot(page, artifacts, f"officer-3-case-{viewport}")

    if viewport == "desktop":
        _session_renews_while_in_use(page, live, first_cookie, signed_in_at)

    # A note typed while the session ends is kept through signing in again.
    _note_survives_the_end_of_the_session(page, live, artifacts, viewport)
    page.close()


def _session_renews_while_in_use(
    page: Any, live: Live, first_cookie: str, signed_in_at: float
) -> None:
    """Past half the session's life a request renews it (a page, or the open page's
    keep-alive); past the first token's end, the officer is still signed in."""
    time.sleep(max(0.0, SHORT_SESSION_S / 2 + 2 - (time.monotonic() - signed_in_at)))
    page.reload()
    assert _session_cookie(page) != first_cookie, "the session was not renewed"
    time.sleep(max(0.0, SHORT_SESSION_S + 1 - (time.monotonic() - signed_in_at)))
    page.goto(f"{live.base_url}/board")
    assert page.url.endswith("/board"), "signed out although the session was in use"
    assert "1 new" not in page.locator("#home-victim-north-1").inner_text()


def _note_survives_the_end_of_the_session(
    page: Any, live: Live, artifacts: Path, viewport: str
) -> None:
    page.goto(f"{live.base_url}/homes/victim-north-1")
    page.get_by_label("Note for the case file").first.fill("Visit booked for Tuesday 9am")
    page.context.clear_cookies(name="dampwatch_session")
    with page.expect_navigation():
        page.get_by_role("button", name="Add note").first.click()
    assert page.locator("#expired").is_visible()
    page.get_by_label("Username").fill("officer-north")
    page.get_by_label("Password").fill("a-long-test-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "Method Not Allowed" not in page.content()
    assert page.get_by_label("Note").input_value() == "Visit booked for Tuesday 9am"
    shot(page, artifacts, f"officer-4-kept-note-{viewport}")
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    assert page.get_by_role("status").first.inner_text() == "Your note is added to the case file."
    assert "Visit booked for Tuesday 9am" in page.content()
