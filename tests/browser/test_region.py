"""The region page in real Chromium with the outside network cut off: maps drawn, no request
leaves the machine, no serious accessibility violation, on a desk and a phone."""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from dampwatch_api.app import create_app
from dampwatch_api.db import migrate
from tests.api.conftest import ADMIN_PASSWORD, api_settings, seed
from tests.api.opendata.test_region_page import boundary_settings, publish_region
from tests.browser.axe import blocking_violations
from tests.browser.conftest import _free_port
from tests.browser.steps import VIEWPORTS, fits_width, shot

pytestmark = [pytest.mark.servers, pytest.mark.slow]
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
PALETTE = {"rgb(255, 255, 178)", "rgb(254, 204, 92)", "rgb(253, 141, 60)",
           "rgb(240, 59, 32)", "rgb(189, 0, 38)"}  # fmt: skip


@pytest.fixture
def region_site(tmp_path: Path) -> Iterator[str]:
    """The API behind uvicorn on loopback with a publication of 4,000 simulated homes."""
    publish_region(tmp_path / "opendata", 4000)
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    settings = api_settings(url, tmp_path, **boundary_settings())
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, connect_broker=False), host="127.0.0.1",
                       port=_free_port(), log_level="warning")
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(10)


def _cut_off(page: Any) -> list[str]:
    """Abort every request that would leave loopback; the list of those attempted."""
    attempted: list[str] = []

    def handle(route: Any) -> None:
        host = urllib.parse.urlsplit(route.request.url).hostname or ""
        if host in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return attempted


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_region_page_draws_its_maps_offline_and_passes_axe(
    browser: Any, region_site: str, artifacts: Path, viewport: str
) -> None:
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    attempted = _cut_off(page)
    page.goto(f"{region_site}/region")
    svg = page.locator("svg.map").first
    box = svg.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 250
    fills = page.eval_on_selector_all(
        "svg.map path", "paths => paths.map(p => getComputedStyle(p).fill)"
    )
    assert len(fills) == 200
    assert len(PALETTE & set(fills)) >= 3  # the areas are coloured by prevalence
    bars = page.locator("svg.bars rect").count()
    withheld = page.locator("svg.bars text", has_text="withheld").count()
    assert bars >= 6 and bars + withheld == 10  # one per IMD decile
    assert fits_width(page)
    shot(page, artifacts, f"region-{viewport}")
    assert blocking_violations(page) == []
    # The analyst's view: the LSOA map too.
    page.goto(f"{region_site}/login?next=/region")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{region_site}/region?hazard=cold")
    assert page.locator("svg.map").count() == 2
    assert page.locator("svg.map").nth(1).locator("path").count() == 989
    shot(page, artifacts, f"region-analyst-{viewport}")
    assert blocking_violations(page) == []
    assert attempted == []
