"""The tenant's page shows the written summaries sent about their home, as text, with the PDF."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from dampwatch.assessment.kinds import AlertKind, Severity
from dampwatch_api.db import migrate
from tests.api.cases.conftest import Clock, raise_alert, worker
from tests.api.conftest import HOME_NORTH, Api, api_settings, seed, start_api
from tests.api.pages.support import page_client
from tests.support import InfluxDatabase


@pytest.fixture
def stack(tmp_path: Path, influx_db: InfluxDatabase) -> Iterator[Api]:
    """A seeded API with a real (empty) InfluxDB database for the pages."""
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    yield from start_api(
        api_settings(url, tmp_path, influx_url=influx_db.url, influx_database=influx_db.database)
    )


def test_the_tenants_page_shows_their_written_summaries_as_text(stack: Api) -> None:
    raise_alert(
        stack, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, datetime.now(UTC)
    )
    worker(stack, Clock()).run_once()
    case_id = stack.call("GET", "/v1/cases", "admin").json()[0]["id"]
    tenant = page_client(stack, "tenant-north")
    assert "What we found when we looked" not in tenant.get(f"/homes/{HOME_NORTH}").text
    steps = (
        {
            "kind": "investigation",
            "outcome": "significant",
            "further_work": False,
            "text": "Mould <img src=x onerror=alert(1)> behind the bath.",
        },
        {"kind": "summary_sent", "method": "portal"},
    )
    for step in steps:
        made = stack.call("POST", f"/v1/cases/{case_id}/steps", "officer-north", json=step)
        assert made.status_code == 201, made.text
    html = tenant.get(f"/homes/{HOME_NORTH}").text
    assert "What we found when we looked into your home" in html
    assert "We will make your home safe by" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    pdf = tenant.get(f"/homes/{HOME_NORTH}/summaries/{case_id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    exported = stack.call("GET", f"/v1/homes/{HOME_NORTH}/export?format=json", "tenant-north")
    assert exported.status_code == 200, exported.text
    record = exported.json()["cases"]
    assert [step["kind"] for step in record[0]["steps"]] == ["investigation", "summary_sent"]
    other = page_client(stack, "tenant-south")
    assert other.get(f"/homes/{HOME_NORTH}/summaries/{case_id}.pdf").status_code == 404
    assert tenant.get(f"/homes/{HOME_NORTH}/summaries/{case_id + 1}.pdf").status_code == 404


def test_the_condition_report_keeps_typed_markup_as_text(stack: Api) -> None:
    alert_id = raise_alert(
        stack, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, datetime.now(UTC)
    )
    reason = {"reason": "Pipe < 5 cm from the wall & <b>re-lagged"}
    assert (
        stack.call("POST", f"/v1/alerts/{alert_id}/resolve", "admin", json=reason).status_code
        == 200
    )
    report = stack.call("GET", f"/v1/homes/{HOME_NORTH}/report.pdf", "officer-north")
    assert report.status_code == 200, report.text
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(report.content)).pages)
    assert "Pipe < 5 cm from the wall & <b>re-lagged" in text
