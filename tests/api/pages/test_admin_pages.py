"""Admin pages through a browser-like client: homes, rooms, sensors, invitations, people, all
through the API's routes and its policy."""

from __future__ import annotations

import re

from tests.api.conftest import ADMIN_PASSWORD, HOME_NORTH, Api
from tests.api.pages.support import csrf_of, page_client

NEW_PASSWORD = "a-brand-new-password"


def _form(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/admin/homes").text)
    return client.post(path, data=data | {"csrf_token": token})


def test_an_officer_sets_up_a_home_and_invites_its_tenant(api: Api) -> None:
    officer = page_client(api, "officer-north")
    assert officer.get("/admin/homes").status_code == 200
    refused = _form(
        officer,
        "/admin/homes",
        {"home_id": "new-1", "address": "9 New St", "postcode": "BS1 1AA", "portfolio": "north"},
    )
    assert refused.status_code == 403  # registering homes is for administrators
    base = f"/admin/homes/{HOME_NORTH}"
    added = _form(officer, f"{base}/rooms", {"name": "Front bedroom", "kind": "bedroom"})
    assert added.status_code == 303 and "room-added" in added.headers["location"]
    bad = _form(officer, f"{base}/rooms", {"name": "Loft", "kind": "attic"})
    assert bad.status_code == 422 and "kind" in bad.text
    sensor = _form(officer, f"{base}/sensors", {"device_id": "TH-0042", "room_id": "front-bedroom"})
    assert sensor.status_code == 200 and "Sensor TH-0042 added" in sensor.text
    page = officer.get(base).text
    assert "TH-0042" in page and "Front bedroom" in page
    duplicate = _form(officer, f"{base}/sensors", {"device_id": "TH-0042"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.text
    moved = _form(officer, f"{base}/sensors/TH-0042", {"room_id": ""})
    assert moved.status_code == 303
    invited = _form(officer, f"{base}/invitations", {"name": "Sam Jones", "email": ""})
    assert invited.status_code == 200
    link = re.search(r'value="(http[^"]+/invite/[^"]+)"', invited.text)
    assert link
    path = link.group(1).split("://", 1)[1].split("/", 1)[1]
    south = page_client(api, "officer-south")
    assert south.get(base).status_code == 404
    # The tenant opens the link, chooses a sign-in, and lands on their home signed in.
    tenant = type(officer)(api.client.app, follow_redirects=False)
    form = tenant.get(f"/{path}")
    assert form.status_code == 200 and "1 North Rd" in form.text
    joined = tenant.post(
        f"/{path}",
        data={
            "csrf_token": csrf_of(form.text),
            "username": "sam-jones",
            "password": NEW_PASSWORD,
            "consent": "yes",
        },
    )
    assert joined.status_code == 303 and joined.headers["location"] == f"/homes/{HOME_NORTH}"
    assert tenant.get(f"/homes/{HOME_NORTH}").status_code == 200
    assert tenant.get(f"/{path}").status_code == 404  # used


def test_an_administrator_adds_staff_who_set_their_own_password(api: Api) -> None:
    admin = page_client(api, "admin", ADMIN_PASSWORD)
    assert page_client(api, "officer-north").get("/admin/users").status_code == 403
    made = _form(
        admin, "/admin/users", {"username": "kim", "role": "officer", "portfolios": "north, east"}
    )
    assert made.status_code == 200 and "Password link for kim" in made.text
    link = re.search(r'/reset/([A-Za-z0-9_-]+)"', made.text)
    assert link
    person = type(admin)(api.client.app, follow_redirects=False)
    form = person.get(f"/reset/{link.group(1)}")
    done = person.post(
        f"/reset/{link.group(1)}", data={"csrf_token": csrf_of(form.text), "password": NEW_PASSWORD}
    )
    assert done.status_code == 303 and done.headers["location"] == "/login?done=password"
    signed = api.client.post("/v1/auth/token", data={"username": "kim", "password": NEW_PASSWORD})
    assert signed.status_code == 200
    kim = api.client.get(
        "/v1/users/me", headers={"Authorization": f"Bearer {signed.json()['access_token']}"}
    )
    assert kim.json()["portfolios"] == ["east", "north"]
    off = _form(admin, "/admin/users/kim", {"active": "false"})
    assert off.status_code == 303 and "deactivated" in off.headers["location"]
    again = api.client.post("/v1/auth/token", data={"username": "kim", "password": NEW_PASSWORD})
    assert again.status_code == 401
    self_off = _form(admin, "/admin/users/admin", {"active": "false"})
    assert self_off.status_code == 422
