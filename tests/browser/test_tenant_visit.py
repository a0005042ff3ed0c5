"""A tenant's visit in Chromium, on a desk and on a 390 px phone: their home only, each room's
words matching its flag or its sensor, advice once, whom to call, charts that fit the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CONTACT, Live
from tests.browser.steps import VIEWPORTS, fits_width, shot, sign_in

pytestmark = [pytest.mark.servers, pytest.mark.slow]
JARGON = ("f_Rsi", "hPa", "VTT", "(no data)", "168 hours", "dew point", "mould index")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_tenant_visit(browser: Any, live: Live, artifacts: Path, viewport: str) -> None:
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    sign_in(page, live.base_url, "tenant-north")
    assert page.url.endswith("/homes/victim-north-1")
    assert page.get_by_role("heading", name="Your home").is_visible()
    assert fits_width(page), "the page scrolls sideways"
    shot(page, artifacts, f"tenant-home-{viewport}")

    # The emergency comes first, with the number to call.
    urgent = page.locator("section.urgent")
    assert urgent.is_visible() and CONTACT["contact_phone"] in urgent.inner_text()
    # Each room's card says what its own flag or sensor is.
    assert page.locator("#card-living-room .state").inner_text() == "Very cold"
    assert page.locator("#card-bathroom .state").inner_text() == "Mould could grow"
    bedroom = page.locator("#card-bedroom-1").inner_text()
    assert "may be wrong" in bedroom and "not damp" not in bedroom
    assert page.locator("#card-bedroom-1 .state").inner_text() == "Warm enough"
    assert "—" in page.locator("#card-bedroom-1 dl.now").inner_text()  # untrusted humidity
    # Advice once per kind, however many rooms or alerts.
    text = page.locator("main").inner_text()
    assert text.count("Open a window or turn on the fan after a bath") == 1
    assert text.count("Close the curtains when it gets dark") == 1
    for word in JARGON:
        assert word.lower() not in text.lower(), word
    assert CONTACT["contact_email"] in text and CONTACT["contact_hours"] in text

    # Charts: the drawing that fits is shown, with its axis words readable.
    shown = page.locator("svg.chart:visible")
    assert shown.count() >= 4
    box = shown.first.bounding_box()
    assert box is not None and box["width"] <= VIEWPORTS[viewport]["width"]
    size = page.evaluate(
        "() => [...document.querySelectorAll('svg.chart')]"
        ".find(svg => svg.getBoundingClientRect().width > 0)"
        ".querySelector('g.axes text').getBoundingClientRect().height"
    )
    assert size >= 9, f"axis labels {size:.1f} px high"

    # Another home stays out of reach.
    response = page.goto(f"{live.base_url}/homes/south-1")
    assert response is not None and response.status == 404
    assert "2 South Rd" not in page.content()
    page.close()
