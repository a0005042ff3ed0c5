"""The daily feed (CSV and SQL that real databases load) and the tenant's written summary."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pypdf import PdfReader

from dampwatch.assessment.kinds import AlertKind, Severity
from dampwatch_api.cases.feed import CASE_COLUMNS, DUTY_COLUMNS
from tests.api.cases.conftest import Clock, raise_alert, worker
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api

NOW = datetime.now(UTC)
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def _opened(api: Api) -> dict[str, int]:
    raise_alert(api, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, NOW)
    raise_alert(api, HOME_SOUTH, "kitchen", AlertKind.CONDENSATION_RISK, Severity.HIGH, NOW)
    first = worker(api, Clock())
    first.run_once()
    first.stop()
    cases = api.call("GET", "/v1/cases", "admin").json()
    return {case["home_id"]: case["id"] for case in cases}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_feed_is_csv_and_sql_that_databases_load(sqlite_api: Api) -> None:
    cases = _opened(sqlite_api)
    trap = '=HYPERLINK("http://evil.example","x"); it\'s'
    assign = {"kind": "assigned", "assignee": trap}
    made = sqlite_api.call("POST", f"/v1/cases/{cases[HOME_NORTH]}/steps", "admin", json=assign)
    assert made.status_code == 201
    listed = sqlite_api.call("GET", "/v1/feeds/cases.csv", "admin")
    assert listed.status_code == 200 and listed.headers["content-type"].startswith("text/csv")
    rows = _rows(listed.text)
    assert list(rows[0]) == list(CASE_COLUMNS) and len(rows) == 2
    north = next(row for row in rows if row["home_id"] == HOME_NORTH)
    assert north["next_duty"] == "investigate" and north["next_duty_due_by"]
    assert north["assigned_to"] == "'" + trap, "a spreadsheet would run it as a formula"
    duties = _rows(sqlite_api.call("GET", "/v1/feeds/duties.csv", "admin").text)
    assert list(duties[0]) == list(DUTY_COLUMNS) and {d["duty"] for d in duties} >= {
        "investigate",
        "written_summary",
    }
    # An officer's feed holds their portfolio only; tenants get none.
    mine = _rows(sqlite_api.call("GET", "/v1/feeds/cases.csv", "officer-north").text)
    assert [row["home_id"] for row in mine] == [HOME_NORTH]
    assert sqlite_api.call("GET", "/v1/feeds/cases.sql", "tenant-north").status_code == 403
    sql = sqlite_api.call("GET", "/v1/feeds/cases.sql", "admin").text
    local = sqlite3.connect(":memory:")
    local.executescript(sql)
    local.executescript(sql)  # loading the next day's file replaces the rows
    loaded = local.execute(
        "SELECT assigned_to, next_duty FROM dampwatch_open_cases ORDER BY case_id"
    )
    assert loaded.fetchall()[0] == (trap, "investigate"), "SQL keeps the text as it is"
    assert local.execute("SELECT count(*) FROM dampwatch_case_duties").fetchone() == (len(duties),)
    _load_into_postgres(sql, len(rows))


def _load_into_postgres(sql: str, cases: int) -> None:
    name = f"dampwatch_feed_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(f"{POSTGRES}/test", autocommit=True, connect_timeout=2)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432: {error}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(f"{POSTGRES}/{name}", autocommit=True) as target:
            target.execute(sql)
            target.execute(sql)
            found = target.execute("SELECT count(*) FROM dampwatch_open_cases").fetchone()
            assert found == (cases,)
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


def test_the_worker_writes_the_feed_once_a_day_after_its_time(
    sqlite_api: Api, tmp_path: Path
) -> None:
    _opened(sqlite_api)
    clock = Clock()
    # Not the API's own DATA_DIR/feed, which the worker of `_opened` writes after 06:00.
    feed_dir = tmp_path / "daily-feed"
    runner = worker(
        sqlite_api, clock, case_feed_dir=feed_dir, case_feed_time=time(0, 0), case_feed_keep_days=2
    )
    first = runner.run_once().feed
    assert first is not None and (first / "manifest.json").exists()
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["cases.csv"]["rows"] == 2 and len(manifest["cases.sql"]["sha256"]) == 64
    assert runner.run_once().feed is None, "once a day"
    for _ in range(3):
        clock.advance(days=1)
        assert runner.run_once().feed is not None
    assert len([p for p in feed_dir.iterdir() if not p.name.startswith(".")]) == 2


def _investigate(api: Api, case_id: int, findings: str) -> None:
    step = {
        "kind": "investigation",
        "outcome": "significant",
        "further_work": True,
        "cause": "ventilation",
        "text": findings,
        "work_planned": "New extractor fan <script>alert(1)</script> & a trickle vent.",
        "actor": "Sam <Patel>",
    }
    made = api.call("POST", f"/v1/cases/{case_id}/steps", "officer-north", json=step)
    assert made.status_code == 201, made.text


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def test_the_written_summary_is_plain_text_pdf_and_reaches_only_its_tenant(sqlite_api: Api) -> None:
    cases = _opened(sqlite_api)
    case_id = cases[HOME_NORTH]
    assert (
        sqlite_api.call("GET", f"/v1/cases/{case_id}/summary", "officer-north").status_code == 409
    )
    findings = "Mould <b>behind</b> the bath & <font size=40>panel</font>; it's spreading."
    _investigate(sqlite_api, case_id, findings)
    draft = sqlite_api.call("GET", f"/v1/cases/{case_id}/summary", "officer-north").json()
    assert draft["draft"] is True
    text = json.dumps(draft["sections"])
    assert "significant risk" in text and "ventilation" in text and "by " in text
    pdf = sqlite_api.call("GET", f"/v1/cases/{case_id}/summary.pdf", "officer-north")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    words = _pdf_text(pdf.content)
    assert "<b>behind</b>" in words and "<font size=40>panel</font>" in words, words
    assert "<script>alert(1)</script>" in words and "Sam <Patel>" in words
    # Before it is sent the tenant sees nothing; after, their own home's summary only.
    tenant = sqlite_api.call("GET", f"/v1/homes/{HOME_NORTH}/summaries", "tenant-north")
    assert tenant.status_code == 200 and tenant.json() == []
    sent = {"kind": "summary_sent", "method": "portal"}
    assert (
        sqlite_api.call(
            "POST", f"/v1/cases/{case_id}/steps", "officer-north", json=sent
        ).status_code
        == 201
    )
    letters = sqlite_api.call("GET", f"/v1/homes/{HOME_NORTH}/summaries", "tenant-north").json()
    assert len(letters) == 1 and letters[0]["draft"] is False
    own = sqlite_api.call("GET", letters[0]["pdf"], "tenant-north")
    assert own.status_code == 200 and "What we found" in _pdf_text(own.content)
    for who, path in (
        ("tenant-south", f"/v1/homes/{HOME_NORTH}/summaries"),
        ("tenant-south", letters[0]["pdf"]),
        ("tenant-north", f"/v1/cases/{case_id}/summary"),
        ("tenant-north", f"/v1/homes/{HOME_NORTH}/summaries/{cases[HOME_SOUTH]}.pdf"),
    ):
        assert sqlite_api.call("GET", path, who).status_code in (403, 404), (who, path)
    # The letter as sent stays as sent.
    later = sqlite_api.call("GET", f"/v1/cases/{case_id}/summary", "officer-north").json()
    assert later["draft"] is False and later["sections"] == letters[0]["sections"]


def test_a_step_later_than_now_or_before_the_case_is_refused(sqlite_api: Api) -> None:
    case_id = _opened(sqlite_api)[HOME_NORTH]
    too_early: dict[str, Any] = {
        "kind": "note",
        "text": "x",
        "at": (NOW - timedelta(days=400)).isoformat(),
    }
    assert (
        sqlite_api.call("POST", f"/v1/cases/{case_id}/steps", "admin", json=too_early).status_code
        == 422
    )
    huge = {"kind": "note", "text": "x" * 10_001}
    assert (
        sqlite_api.call("POST", f"/v1/cases/{case_id}/steps", "admin", json=huge).status_code == 422
    )
