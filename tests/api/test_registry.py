"""Registry CRUD through the API, with each role's reach."""

from __future__ import annotations

from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api


def test_admin_creates_a_home_with_rooms_devices_and_gateways(api: Api) -> None:
    body = {"home_id": "h-new", "address": "3 Hill St", "postcode": "BS2 0AA", "portfolio": "north"}
    created = api.call("POST", "/v1/homes", "admin", json=body | {"vulnerabilities": ["over_65"]})
    assert created.status_code == 201, created.text
    assert created.json()["vulnerabilities"] == ["over_65"]
    assert api.call("POST", "/v1/homes", "admin", json=body).status_code == 409
    room = {"room_id": "bathroom", "name": "Bathroom", "kind": "bathroom"}
    assert api.call("POST", "/v1/homes/h-new/rooms", "officer-north", json=room).status_code == 201
    outdoor = {"room_id": "outdoor", "name": "Outside", "kind": "outdoor"}
    assert api.call("POST", "/v1/homes/h-new/rooms", "admin", json=outdoor).status_code == 201
    device = {"device_id": "dev-1", "device_type": "sht31-esp32", "room_id": "bathroom"}
    made = api.call("POST", "/v1/homes/h-new/devices", "officer-north", json=device)
    assert made.status_code == 201, made.text
    assert made.json()["room_id"] == "bathroom"
    assert made.json()["mqtt"] is None  # provisioning disabled in this app
    moved = api.call("PATCH", "/v1/homes/h-new/devices/dev-1", "admin", json={"room_id": "outdoor"})
    assert moved.json()["room_id"] == "outdoor"
    gateway = api.call("POST", "/v1/homes/h-new/gateways", "admin", json={"gateway_id": "gw-1"})
    assert gateway.status_code == 201
    removed = api.call("DELETE", "/v1/homes/h-new/devices/dev-1", "admin")
    assert removed.json()["removed_at"] is not None
    assert api.call("GET", "/v1/homes/h-new/devices", "admin").json() == []
    listed = api.call("GET", "/v1/homes/h-new/devices?include_removed=true", "admin").json()
    assert [d["device_id"] for d in listed] == ["dev-1"]
    # A home goes only with its readings: this API's InfluxDB is down, so it stays for now
    # (tests/api/pages/test_hardening.py deletes one with InfluxDB up).
    assert api.call("DELETE", "/v1/homes/h-new", "admin").status_code == 503
    assert api.call("GET", "/v1/homes/h-new", "admin").status_code == 200


def test_bad_input_gets_a_clear_error(api: Api) -> None:
    bad_id = {"home_id": "no spaces", "address": "x", "postcode": "BS1", "portfolio": "north"}
    response = api.call("POST", "/v1/homes", "admin", json=bad_id)
    assert response.status_code == 422
    assert "detail" in response.json()
    room = {"room_id": "Bad Slug", "name": "x", "kind": "bathroom"}
    assert api.call("POST", f"/v1/homes/{HOME_NORTH}/rooms", "admin", json=room).status_code == 422
    device = {"device_id": "d", "device_type": "t", "room_id": "nowhere"}
    response = api.call("POST", f"/v1/homes/{HOME_NORTH}/devices", "admin", json=device)
    assert response.status_code == 422 and "nowhere" in response.json()["detail"]


def test_roles_see_only_their_homes(api: Api) -> None:
    def listed(who: str) -> list[str]:
        return [home["home_id"] for home in api.call("GET", "/v1/homes", who).json()]

    assert listed("admin") == sorted([HOME_NORTH, HOME_SOUTH])
    assert listed("officer-north") == [HOME_NORTH]
    assert listed("tenant-south") == [HOME_SOUTH]
    assert api.call("GET", f"/v1/homes/{HOME_NORTH}", "tenant-north").status_code == 200
    room = {"room_id": "kitchen", "name": "Kitchen", "kind": "kitchen"}
    path = f"/v1/homes/{HOME_NORTH}/rooms"
    assert api.call("POST", path, "tenant-north", json=room).status_code == 403
    assert api.call("POST", path, "officer-south", json=room).status_code == 404
    move = {"portfolio": "south"}
    assert (
        api.call("PATCH", f"/v1/homes/{HOME_NORTH}", "officer-north", json=move).status_code == 403
    )


def test_tenant_withdraws_and_gives_consent_with_history(api: Api) -> None:
    path = f"/v1/homes/{HOME_NORTH}/consent"
    assert api.call("GET", path, "tenant-north").json()["consent"] is True
    withdrawn = api.call("PUT", path, "tenant-north", json={"granted": False, "version": "2"})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["consent"] is False
    again = api.call("PUT", path, "tenant-north", json={"granted": True, "version": "2"}).json()
    history = again["tenants"][0]["history"]
    assert [event["granted"] for event in history] == [False, True]
    assert history[-1]["recorded_by"] == "tenant-north"
    assert api.call("PUT", path, "tenant-south", json={"granted": False}).status_code == 404
    assert api.call("GET", f"/v1/homes/{HOME_NORTH}/tenants", "tenant-north").status_code == 403
