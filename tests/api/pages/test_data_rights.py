"""Export, erasure, retention and the condition report against a real InfluxDB 1.x."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from dampwatch.influx import InfluxQL
from dampwatch_api.erasure import ErasureRecord
from dampwatch_api.registry.models import Tenant, User
from dampwatch_api.report.main import main as report_main
from dampwatch_api.retention import (
    MEASUREMENT_READING_HOURLY,
    RetentionSettings,
    backfill_hourly,
    ensure_retention,
)
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api
from tests.api.pages.support import EVIDENCE_TEXT, HOURS, seed_alert, seed_influx, seed_rooms
from tests.support import InfluxDatabase

pytestmark = pytest.mark.servers


def _count(db: InfluxDatabase, home: str, measurement: str = "reading") -> int:
    rows = db.rows(f"SELECT count(humidity_pct) FROM {measurement} WHERE home = '{home}'")
    return int(rows[0]["count"]) if rows else 0


def test_export_holds_every_reading(stack: Api, influx_db: InfluxDatabase) -> None:
    seed_rooms(stack, HOME_NORTH)
    written = seed_influx(influx_db, HOME_NORTH)
    seed_influx(influx_db, HOME_SOUTH)
    seed_alert(stack, HOME_NORTH)
    response = stack.call("GET", f"/v1/homes/{HOME_NORTH}/export", "tenant-north")
    assert response.status_code == 200
    document = json.loads(response.content)
    readings = document["series"]["reading"]
    assert len(readings) == written == _count(influx_db, HOME_NORTH)
    assert {row["home"] for row in readings} == {HOME_NORTH}
    assert document["tenants"][0]["consent_history"] == [] or document["tenants"]
    assert document["alerts"][0]["evidence"]["text"] == EVIDENCE_TEXT
    assert document["home"]["address"] == "1 North Rd"
    archive = stack.call("GET", f"/v1/homes/{HOME_NORTH}/export?format=csv", "admin")
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        lines = files.read("reading.csv").decode().splitlines()
        assert len(lines) == written + 1 and "humidity_pct" in lines[0]
        assert "alerts.csv" in files.namelist() and "consent_history.csv" in files.namelist()
    refused = stack.call("GET", f"/v1/homes/{HOME_NORTH}/export", "tenant-south")
    assert refused.status_code == 404


def test_erasure_drops_series_and_personal_data(stack: Api, influx_db: InfluxDatabase) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    south_written = seed_influx(influx_db, HOME_SOUTH)
    seed_alert(stack, HOME_NORTH)
    assert stack.call("DELETE", f"/v1/homes/{HOME_NORTH}/data", "officer-north").status_code == 403
    response = stack.call("DELETE", f"/v1/homes/{HOME_NORTH}/data", "admin")
    assert response.status_code == 200, response.text
    assert response.json()["users_deleted"] == 1
    for measurement in ("reading", "risk"):
        assert influx_db.rows(f"SHOW SERIES FROM {measurement} WHERE home = '{HOME_NORTH}'") == []
    assert _count(influx_db, HOME_SOUTH) == south_written
    context = stack.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        assert session.scalar(select(User).where(User.username == "tenant-north")) is None
        tenant = session.scalar(select(Tenant).where(Tenant.name == "tenant-north"))
        assert tenant is None
        record = session.scalar(select(ErasureRecord).where(ErasureRecord.home_id == HOME_NORTH))
        assert record is not None and record.erased_by == "admin" and "tenant" not in record.influx
    consent = stack.call("GET", f"/v1/homes/{HOME_NORTH}/consent", "admin").json()
    assert consent["consent"] is False


def test_retention_policies_and_hourly_means(stack: Api, influx_db: InfluxDatabase) -> None:
    written = seed_influx(influx_db, HOME_NORTH)
    settings = stack.settings
    influx = InfluxQL(settings)
    # The API's start created both policies and the continuous query already.
    state = ensure_retention(influx, settings, RetentionSettings(hourly_retention_days=3650))
    assert state is not None and state.changed == []
    cqs = influx_db.rows("SHOW CONTINUOUS QUERIES")
    assert any(str(row.get("name", "")).startswith("cq_reading_hourly") for row in cqs)
    backfill_hourly(influx, settings, RetentionSettings())
    policies = {
        row["name"]: row
        for row in influx_db.rows(f'SHOW RETENTION POLICIES ON "{influx_db.database}"')
    }
    assert policies[state.raw_policy]["duration"].startswith(f"{396 * 24}h")
    assert policies["hourly"]["duration"].startswith(f"{3650 * 24}h")
    hourly = influx_db.rows(
        f'SELECT * FROM "hourly"."{MEASUREMENT_READING_HOURLY}" WHERE home = \'{HOME_NORTH}\''
    )
    assert len(hourly) == 2 * HOURS and written == 8 * HOURS
    assert {round(row["humidity_pct"], 3) for row in hourly} == {80.0, 50.0}
    changed = ensure_retention(influx, settings, RetentionSettings(hourly_retention_days=4000))
    assert changed is not None and changed.changed == ["alter retention policy hourly (4000 days)"]
    influx.close()


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_condition_report_renders(stack: Api, influx_db: InfluxDatabase, tmp_path: Path) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    seed_alert(stack, HOME_NORTH)
    response = stack.call("GET", f"/v1/homes/{HOME_NORTH}/report.pdf", "officer-north")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Condition report" in text and "1 North Rd" in text and EVIDENCE_TEXT in text
    assert "19.0 / 19.0 / 19.0" in text  # temperature low/mean/high of both rooms
    assert "80 / 80" in text and "50 / 50" in text  # humidity mean/high
    assert "1.5" in text and "60" in text and "40" in text  # mould index, hours above
    assert "opened" in text  # the alert history
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF was not rasterised")
    subprocess.run([pdftoppm, "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages and all(page.stat().st_size > 5000 for page in pages)
    assert (
        stack.call(
            "GET", f"/v1/homes/{HOME_NORTH}/report.pdf?from=2026-02-01&to=2025-01-01", "admin"
        ).status_code
        == 422
    )
    assert (
        stack.call("GET", f"/v1/homes/{HOME_NORTH}/report.pdf", "tenant-south").status_code == 404
    )


def test_report_command_line(
    stack: Api,
    influx_db: InfluxDatabase,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DAMPWATCH_DATABASE_URL", stack.settings.database_url)
    monkeypatch.setenv("DAMPWATCH_INFLUX_API", "v1")
    monkeypatch.setenv("DAMPWATCH_INFLUX_URL", influx_db.url)
    monkeypatch.setenv("DAMPWATCH_INFLUX_DATABASE", influx_db.database)
    output = tmp_path / "north.pdf"
    assert report_main([HOME_NORTH, "--output", str(output)]) == 0
    assert output.read_bytes().startswith(b"%PDF") and "1 North Rd" in _pdf_text(
        output.read_bytes()
    )
    assert report_main(["no-such-home"]) == 2
    assert "no home 'no-such-home'" in capsys.readouterr().err
    assert report_main([HOME_NORTH, "--from", "2026-03-01", "--to", "2026-01-01"]) == 2
    assert "start before it ends" in capsys.readouterr().err
    with pytest.raises(SystemExit) as parsed:
        report_main([HOME_NORTH, "--from", "not-a-date"])
    assert parsed.value.code == 2


def test_report_command_reads_a_stack_env_file_and_refuses_a_foreign_database(
    stack: Api,
    influx_db: InfluxDatabase,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_rooms(stack, HOME_NORTH)
    monkeypatch.chdir(tmp_path)
    for name in ("DAMPWATCH_DATABASE_URL", "DAMPWATCH_DATA_DIR", "DAMPWATCH_INFLUX_URL"):
        monkeypatch.delenv(name, raising=False)
    # The default database does not exist here: refused clearly, and nothing is created.
    assert report_main([HOME_NORTH]) == 2
    refusal = capsys.readouterr().err
    assert "there is no database at" in refusal and "--env-file" in refusal
    assert "Traceback" not in refusal and not (tmp_path / "data").exists()
    foreign = tmp_path / "other.db"
    foreign.write_bytes(b"")
    monkeypatch.setenv("DAMPWATCH_DATABASE_URL", f"sqlite:///{foreign}")
    assert report_main([HOME_NORTH]) == 2
    assert "is not a dampwatch database" in capsys.readouterr().err
    monkeypatch.delenv("DAMPWATCH_DATABASE_URL")
    # A stack's env file (as `dampwatch up` writes it) points the command at the platform.
    env_file = tmp_path / "stack.env"
    env_file.write_text(
        f"DAMPWATCH_DATABASE_URL={stack.settings.database_url}\n"
        f"DAMPWATCH_INFLUX_API=v1\nDAMPWATCH_INFLUX_URL={influx_db.url}\n"
        f"DAMPWATCH_INFLUX_DATABASE={influx_db.database}\n"
    )
    output = tmp_path / "north.pdf"
    assert report_main([HOME_NORTH, "--env-file", str(env_file), "--output", str(output)]) == 0
    assert output.read_bytes().startswith(b"%PDF")
    assert report_main([HOME_NORTH, "--env-file", str(tmp_path / "missing.env")]) == 2
    assert "no settings file" in capsys.readouterr().err
