"""Pages through a browser-like client: sign-in, the tenant's home, the board, officer actions."""

from __future__ import annotations

import pytest

from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api
from tests.api.pages.support import (
    EVIDENCE_TEXT,
    csrf_of,
    page_client,
    seed_alert,
    seed_influx,
    seed_rooms,
)
from tests.support import InfluxDatabase

pytestmark = pytest.mark.servers


def test_pages_need_sign_in_and_refuse_forged_forms(stack: Api) -> None:
    client = page_client(stack, "officer-north")
    anonymous = type(client)(stack.client.app, follow_redirects=False)
    assert anonymous.get(f"/homes/{HOME_NORTH}").headers["location"].startswith("/login?next=")
    bad = anonymous.post("/login", data={"username": "officer-north", "password": "x"})
    assert bad.status_code == 403 and "Form expired" in bad.text
    wrong = anonymous.get("/login")
    refused = anonymous.post(
        "/login",
        data={"username": "officer-north", "password": "wrong", "csrf_token": csrf_of(wrong.text)},
    )
    assert refused.status_code == 401 and "do not match" in refused.text
    alert_id = seed_alert(stack, HOME_NORTH)
    forged = client.post(
        f"/homes/{HOME_NORTH}/alerts/{alert_id}/acknowledge", data={"csrf_token": "0" * 64}
    )
    assert forged.status_code == 403
    cookie = client.cookies.get("dampwatch_session")
    assert cookie and "dampwatch_session" in str(client.cookies.jar)


def test_tenant_sees_own_home_only(stack: Api, influx_db: InfluxDatabase) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    seed_alert(stack, HOME_NORTH)
    client = page_client(stack, "tenant-north")
    assert client.get("/").headers["location"] == f"/homes/{HOME_NORTH}"
    page = client.get(f"/homes/{HOME_NORTH}?days=30")
    assert page.status_code == 200
    html = page.text
    assert "1 North Rd" in html and "Bathroom" in html
    # The bathroom's card says what its flag is; the bedroom's how it is now.
    assert "Mould could grow: Bathroom" in html and "Fine" in html
    assert EVIDENCE_TEXT not in html  # the assessment's words are for officers
    assert "Open a window or turn on the fan" in html
    assert "<svg" in html and "Last 30 days" in html
    assert "Acknowledge" not in html  # tenants do not work on cases
    other = client.get(f"/homes/{HOME_SOUTH}")
    assert other.status_code == 404 and "2 South Rd" not in other.text
    assert client.get("/board").headers["location"] == f"/homes/{HOME_NORTH}"
    assert "script" not in page.headers["content-security-policy"].replace("script-src 'self'", "")


def test_consent_withdrawal_hides_readings(stack: Api, influx_db: InfluxDatabase) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    client = page_client(stack, "tenant-north")
    page = client.get(f"/homes/{HOME_NORTH}")
    response = client.post(
        f"/homes/{HOME_NORTH}/consent", data={"granted": "false", "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 303
    html = client.get(response.headers["location"]).text
    assert "Readings are switched off" in html and "<svg" not in html
    assert "Switch readings on again" in html and "<td>No</td>" in html
    refused = stack.call("GET", f"/v1/homes/{HOME_NORTH}/readings", "tenant-north")
    assert refused.status_code == 451 and "withdrawn consent" in refused.json()["detail"]
    officer = page_client(stack, "officer-north").get(f"/homes/{HOME_NORTH}").text
    assert "Consent withdrawn" in officer and "Bathroom" not in officer.split("Alert history")[0]


def test_board_and_acknowledge(stack: Api, influx_db: InfluxDatabase) -> None:
    seed_rooms(stack, HOME_NORTH)
    seed_influx(influx_db, HOME_NORTH)
    alert_id = seed_alert(stack, HOME_NORTH)
    client = page_client(stack, "officer-north")
    board = client.get("/board")
    assert board.status_code == 200 and "1 North Rd" in board.text and "1 new" in board.text
    assert "1 North Rd" not in client.get("/board?kind=cold").text
    assert "1 North Rd" in client.get("/board?state=new&portfolio=north").text
    home = client.get(f"/homes/{HOME_NORTH}")
    assert "Mould index" in home.text and "Sensors" in home.text
    token = csrf_of(home.text)
    done = client.post(
        f"/homes/{HOME_NORTH}/alerts/{alert_id}/acknowledge", data={"csrf_token": token}
    )
    assert done.status_code == 303 and "notice=acknowledged" in done.headers["location"]
    client.post(
        f"/homes/{HOME_NORTH}/alerts/{alert_id}/assign",
        data={"csrf_token": token, "assignee": "officer-north"},
    )
    client.post(
        f"/homes/{HOME_NORTH}/alerts/{alert_id}/note",
        data={"csrf_token": token, "text": "visit booked"},
    )
    alert = stack.call("GET", f"/v1/alerts/{alert_id}", "admin").json()
    assert alert["status"] == "acknowledged" and alert["acknowledged_by"] == "officer-north"
    assert alert["assigned_to"] == "officer-north"
    assert "1 new" not in client.get("/board").text
    assert "1 North Rd" in client.get("/board?state=acknowledged").text
    assert "1 North Rd" in client.get("/board?assignee=me").text
    south = page_client(stack, "officer-south")
    refused = south.post(
        f"/homes/{HOME_NORTH}/alerts/{alert_id}/resolve",
        data={"csrf_token": csrf_of(south.get("/board").text), "reason": "x"},
    )
    assert refused.status_code == 404
    assert "1 North Rd" not in south.get("/board").text
    resolved = client.post(
        f"/homes/{HOME_NORTH}/alerts/{alert_id}/resolve",
        data={"csrf_token": token, "reason": "fan fitted"},
    )
    assert resolved.status_code == 303
    assert stack.call("GET", f"/v1/alerts/{alert_id}", "admin").json()["status"] == "resolved"
