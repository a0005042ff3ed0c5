"""A tenant leaves their home out of the area statistics in Chromium, and counts it back in:
the page says in plain words what is published, and the choice is in SQL at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.registry.statistics import counted_for_statistics
from tests.browser.conftest import Live
from tests.browser.steps import VIEWPORTS, fits_width, shot, sign_in

pytestmark = [pytest.mark.servers, pytest.mark.slow]
HOME = "victim-north-1"


def _counted(tmp_path: Path) -> bool:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'api.db'}")
    try:
        with make_session_factory(engine)() as session:
            return HOME in counted_for_statistics(session)
    finally:
        engine.dispose()


def test_tenant_opts_out_of_statistics_and_back_in(
    browser: Any, live: Live, artifacts: Path, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=VIEWPORTS["phone"])
    sign_in(page, live.base_url, "tenant-north")
    section = page.locator("section#statistics")
    words = section.inner_text()
    assert "counts of homes by area, never your home or your name" in words
    assert "small numbers are hidden" in words
    assert page.locator("#statistics-state").inner_text() == "counted"
    assert _counted(tmp_path)

    section.get_by_role("button", name="Leave my home out of the statistics").click()
    page.wait_for_load_state()
    assert "no longer counted in the area statistics" in page.locator("main").inner_text()
    assert page.locator("#statistics-state").inner_text() == "not counted"
    assert fits_width(page)
    shot(page, artifacts, "tenant-statistics-out")
    assert not _counted(tmp_path)
    # Readings are a separate choice: they stay on, and their history lists no statistics choice.
    assert page.locator("#consent-state").inner_text() == "on"
    assert page.get_by_text("When you said yes or no").count() == 0

    page.reload()
    assert page.locator("#statistics-state").inner_text() == "not counted"
    page.locator("section#statistics").get_by_role("button", name="Count my home again").click()
    page.wait_for_load_state()
    assert page.locator("#statistics-state").inner_text() == "counted"
    assert _counted(tmp_path)
    page.close()
