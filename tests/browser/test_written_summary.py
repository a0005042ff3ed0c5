"""In Chromium: the tenant reads the written summary sent about their home, and opens its PDF."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.worker.loop import CaseworkWorker
from tests.api.conftest import ADMIN_PASSWORD, PASSWORD, api_settings
from tests.browser.conftest import Live
from tests.support import OPENER

pytestmark = [pytest.mark.servers, pytest.mark.slow]


def _call(
    live: Live, method: str, path: str, token: str, body: dict[str, Any] | None = None
) -> Any:
    request = urllib.request.Request(
        f"{live.base_url}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with OPENER.open(request, timeout=30) as response:
        return json.loads(response.read())


def _admin_token(live: Live) -> str:
    form = urllib.parse.urlencode({"username": "admin", "password": ADMIN_PASSWORD}).encode()
    with OPENER.open(f"{live.base_url}/v1/auth/token", form, timeout=30) as response:
        return str(json.loads(response.read())["access_token"])


def _summary_sent(live: Live, tmp_path: Path) -> int:
    """The seeded alert becomes a case (one worker pass), investigated and summarised."""
    url = f"sqlite:///{tmp_path / 'api.db'}"  # the `live` fixture's database
    engine = create_db_engine(url)
    worker = CaseworkWorker(api_settings(url, tmp_path), make_session_factory(engine))
    worker.run_once()
    worker.stop()
    engine.dispose()
    token = _admin_token(live)
    case_id = int(_call(live, "GET", "/v1/cases?home_id=victim-north-1", token)[0]["id"])
    for step in (
        {
            "kind": "investigation",
            "outcome": "significant",
            "further_work": True,
            "cause": "ventilation",
            "text": "Mould on the bathroom ceiling <b>and</b> window.",
            "work_planned": "A new extractor fan.",
        },
        {"kind": "summary_sent", "method": "portal"},
    ):
        _call(live, "POST", f"/v1/cases/{case_id}/steps", token, step)
    return case_id


def test_the_tenant_reads_the_written_summary_and_its_pdf(
    browser: Any, live: Live, tmp_path: Path, artifacts: Path
) -> None:
    case_id = _summary_sent(live, tmp_path)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live.base_url}/")
    page.get_by_label("Username").fill("tenant-north")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    letters = page.locator("#written-summaries")
    assert letters.get_by_role("heading", name="What we found").first.is_visible()
    assert "Mould on the bathroom ceiling <b>and</b> window." in letters.inner_text()
    assert "We will make your home safe by" in letters.inner_text()
    assert "We looked into it on" in letters.inner_text(), "no sign-in name in a letter"
    letters.screenshot(path=str(artifacts / "tenant-written-summary-phone.png"))
    link = letters.get_by_role("link", name="This letter as a PDF")
    href = link.get_attribute("href")
    assert href == f"/homes/victim-north-1/summaries/{case_id}.pdf"
    response = page.request.get(f"{live.base_url}{href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    page.close()
