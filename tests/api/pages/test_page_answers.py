"""Pages answer as pages: an empty date box gets the default period, a bad value a page naming
the box (never raw JSON); /docs and /redoc load nothing from elsewhere."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import HOME_NORTH, Api
from tests.api.pages.support import page_client, seed_alert, seed_influx, seed_rooms
from tests.support import InfluxDatabase

pytestmark = pytest.mark.servers


def test_report_download_with_empty_dates_and_bad_ones(
    stack: Api, influx_db: InfluxDatabase
) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    seed_alert(stack, HOME_NORTH)
    client = page_client(stack, "officer-north")
    empty = client.get(f"/homes/{HOME_NORTH}/report.pdf?from=&to=")
    assert empty.status_code == 200 and empty.content.startswith(b"%PDF")
    bad = client.get(f"/homes/{HOME_NORTH}/report.pdf?from=31-01-2026&to=")
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    assert "Check what you entered" in bad.text and "From" in bad.text
    assert '{"detail"' not in bad.text
    reversed_ = client.get(f"/homes/{HOME_NORTH}/report.pdf?from=2026-02-01&to=2026-01-01")
    assert reversed_.status_code == 422 and "Check the dates" in reversed_.text
    api_answer = stack.call("GET", f"/v1/homes/{HOME_NORTH}/report.pdf?from=&to=", "officer-north")
    assert api_answer.status_code == 200
    api_bad = stack.call("GET", f"/v1/homes/{HOME_NORTH}/report.pdf?from=x", "officer-north")
    assert api_bad.status_code == 422 and "detail" in api_bad.json()
    board = client.get("/board?page=0")
    assert board.status_code == 422 and "Page" in board.text


def test_docs_are_served_from_the_app(stack: Api) -> None:
    for path in ("/docs", "/redoc"):
        page = stack.client.get(path)
        assert page.status_code == 200
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "http" not in policy
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(source.startswith("/") for source in sources), sources
        for source in sources:
            assert stack.client.get(source).status_code == 200, source
