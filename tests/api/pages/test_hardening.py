"""Holes found by attacking the API and its pages, each attacked again the way it was found.

The app is the real one on SQLite reading a real InfluxDB (tests/api/pages/conftest.py); the
north home is the one under attack.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from dampwatch_api.pages.session import CSRF_COOKIE, SESSION_COOKIE
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api
from tests.api.pages.support import csrf_of, page_client, seed_alert, seed_influx, seed_rooms
from tests.support import InfluxDatabase

pytestmark = pytest.mark.servers
CO_TENANT = {"name": "Co Tenant-7741", "email": "co-7741@example.org"}
FORMER = {"name": "Former Tenant-5518", "email": "former-5518@example.org"}
NOTE = "officer note 3390: tenant was rude on the phone"


def _people_and_notes(api: Api) -> int:
    for tenancy in (CO_TENANT, FORMER):
        made = api.call("POST", f"/v1/homes/{HOME_NORTH}/tenants", "admin", json=tenancy)
        assert made.status_code == 201, made.text
    alert_id = seed_alert(api, HOME_NORTH)
    noted = api.call("POST", f"/v1/alerts/{alert_id}/notes", "officer-north", json={"text": NOTE})
    assert noted.status_code == 201, noted.text
    return alert_id


def test_a_tenants_export_holds_their_own_tenancy_and_none_of_the_staffs_notes(
    stack: Api, influx_db: InfluxDatabase
) -> None:
    seed_rooms(stack, HOME_NORTH)
    written = seed_influx(influx_db, HOME_NORTH)
    _people_and_notes(stack)
    secrets = [*CO_TENANT.values(), *FORMER.values(), NOTE, "officer-north"]
    mine = stack.call("GET", f"/v1/homes/{HOME_NORTH}/export", "tenant-north")
    assert mine.status_code == 200
    assert not [text for text in secrets if text in mine.text], mine.text[:2000]
    document = json.loads(mine.content)
    assert [tenant["name"] for tenant in document["tenants"]] == ["tenant-north"]
    assert len(document["series"]["reading"]) == written  # the home's conditions, all of them
    assert document["alerts"][0]["events"] and document["alerts"][0]["notes"] == []
    archive = stack.call("GET", f"/v1/homes/{HOME_NORTH}/export?format=csv", "tenant-north")
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        everything = "".join(files.read(name).decode() for name in files.namelist())
    assert not [text for text in secrets if text in everything]
    staff = stack.call("GET", f"/v1/homes/{HOME_NORTH}/export", "admin").text
    assert all(text in staff for text in secrets), "the control: staff see all of it"


def test_a_csrf_pair_from_one_session_is_refused_in_another(stack: Api) -> None:
    victim = page_client(stack, "tenant-north")
    attacker = page_client(stack, "tenant-south")
    stolen = csrf_of(attacker.get(f"/homes/{HOME_SOUTH}").text)
    # The victim's session with the attacker's CSRF cookie and token.
    cookies = {
        SESSION_COOKIE: victim.cookies[SESSION_COOKIE],
        CSRF_COOKIE: attacker.cookies[CSRF_COOKIE],
    }
    forged_client = TestClient(stack.client.app, cookies=cookies, follow_redirects=False)
    forged = forged_client.post(
        f"/homes/{HOME_NORTH}/consent", data={"granted": "false", "csrf_token": stolen}
    )
    assert forged.status_code == 403, forged.text
    assert stack.call("GET", f"/v1/homes/{HOME_NORTH}/consent", "admin").json()["consent"]
    # The victim's own pair still works: the refusal was about the pair's session.
    own = page_client(stack, "tenant-north")
    token = csrf_of(own.get(f"/homes/{HOME_NORTH}").text)
    done = own.post(f"/homes/{HOME_NORTH}/consent", data={"granted": "false", "csrf_token": token})
    assert done.status_code == 303, done.text
    # A token with characters beyond ASCII is a refusal, not a crash.
    odd = own.post(f"/homes/{HOME_NORTH}/consent", data={"granted": "true", "csrf_token": "é" * 9})
    assert odd.status_code == 403


MARKUP = '<a href="https://evil.example/">pay here</a> & <img src="/etc/hostname"/> <'


def test_the_condition_report_prints_user_text_as_text(
    stack: Api, influx_db: InfluxDatabase
) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    moved = stack.call("PATCH", f"/v1/homes/{HOME_NORTH}", "admin", json={"address": MARKUP})
    assert moved.status_code == 200, moved.text
    room = {"name": "Snug $\\frac{$ <b>"}
    assert stack.call("PATCH", f"/v1/homes/{HOME_NORTH}/rooms/bathroom", "admin", json=room)
    alert_id = seed_alert(stack, HOME_NORTH)
    for step in ("acknowledge", "investigation"):
        stack.call("POST", f"/v1/alerts/{alert_id}/{step}", "officer-north", json={})
    resolved = stack.call(
        "POST", f"/v1/alerts/{alert_id}/resolve", "officer-north", json={"reason": MARKUP}
    )
    assert resolved.status_code == 200, resolved.text
    report = stack.call("GET", f"/v1/homes/{HOME_NORTH}/report.pdf", "tenant-north")
    assert report.status_code == 200, report.text
    pdf = PdfReader(io.BytesIO(report.content))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert text.count('<img src="/etc/hostname"/>') >= 2, text  # address, resolution
    assert "pay here</a>" in text
    links = [page.get("/Annots") for page in pdf.pages if page.get("/Annots")]
    assert links == [], "user text became a link"


def test_bad_query_parameters_answer_422_never_5xx(stack: Api, influx_db: InfluxDatabase) -> None:
    seed_influx(influx_db, HOME_NORTH)
    base = f"/v1/homes/{HOME_NORTH}"
    for path in (
        f"{base}/readings?every=999999w",
        f"{base}/readings?every=60w",
        f"{base}/readings?start=0001-01-01T00:00:00Z",
        f"{base}/readings?end=9999-12-31T00:00:00Z&start=9999-12-01T00:00:00Z",
        f"{base}/report.pdf?from=0001-01-01",
        f"{base}/report.pdf?to=9999-12-31",
        f"{base}/report.pdf?from=1969-12-31&to=1970-01-02",
    ):
        response = stack.call("GET", path, "admin")
        assert response.status_code == 422, (path, response.status_code, response.text)
    assert stack.call("GET", f"{base}/readings?every=52w", "admin").status_code == 200


def test_text_the_database_cannot_store_is_refused_with_422(stack: Api) -> None:
    too_long = {"device_id": "dev-9", "device_type": "t" * 51}
    with_nul = {"home_id": "nul-1", "address": "1 A\x00 Rd", "postcode": "BS1", "portfolio": "p"}
    for path, body in (
        (f"/v1/homes/{HOME_NORTH}/devices", too_long),
        ("/v1/homes", with_nul),
        (f"/v1/homes/{HOME_NORTH}/tenants", {"name": "A\x00B"}),
    ):
        response = stack.call("POST", path, "admin", json=body)
        assert response.status_code == 422, (path, response.text)


def test_a_home_id_registered_again_starts_without_the_old_homes_data(
    stack: Api, influx_db: InfluxDatabase
) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    assert stack.call("GET", f"/v1/homes/{HOME_NORTH}/readings/latest", "admin").json()["rooms"]
    alert_id = _people_and_notes(stack)
    assert stack.call("DELETE", f"/v1/homes/{HOME_NORTH}", "admin").status_code == 204
    assert (
        influx_db.rows(f"SELECT count(humidity_pct) FROM reading WHERE home = '{HOME_NORTH}'") == []
    )
    # A reading the gateway's backlog delivers after the deletion.
    late_ms = int(datetime.now(UTC).timestamp() * 1000) - 60_000
    influx_db.write(
        f"reading,home={HOME_NORTH},device=d1,room=bathroom humidity_pct=99.5 {late_ms}"
    )
    again = {
        "home_id": HOME_NORTH,
        "address": "9 New St",
        "postcode": "BS9 9ZZ",
        "portfolio": "north",
    }
    assert stack.call("POST", "/v1/homes", "admin", json=again).status_code == 201
    assert (
        stack.call("GET", f"/v1/homes/{HOME_NORTH}/readings/latest", "admin").json()["rooms"] == []
    )
    assert stack.call("GET", f"/v1/alerts/{alert_id}", "admin").status_code == 404
    listed = stack.call("GET", "/v1/alerts", "admin").json()
    assert [alert for alert in listed if alert["home_id"] == HOME_NORTH] == []
    export = stack.call("GET", f"/v1/homes/{HOME_NORTH}/export", "admin").text
    assert NOTE not in export and CO_TENANT["name"] not in export and "99.5" not in export
