"""Authorization: every route has a guard, and the sweep finds no way into another home."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from dampwatch_api.app import ROUTERS
from dampwatch_api.deps import Guard
from dampwatch_api.policy import CALLER_ONLY_PATHS, PUBLIC_PATHS
from dampwatch_api.routes import health
from tests.api.conftest import HOME_NORTH, Api
from tests.api.test_watches_access import add_watch
from tests.support.casework import seed_casework

REFUSED = {401, 403, 404}


def _calls(dependant: Any) -> list[Any]:
    found = [dependant.call]
    for child in dependant.dependencies:
        found.extend(_calls(child))
    return found


def test_every_route_declares_a_guard(api: Api) -> None:
    routes = [
        route
        for module in (*ROUTERS, health)
        for route in module.router.routes
        if isinstance(route, APIRoute)
    ]
    documented = set(api.client.get("/openapi.json").json()["paths"])
    assert {route.path for route in routes} == documented
    unguarded = [
        route.path
        for route in routes
        if route.path not in PUBLIC_PATHS
        and not any(isinstance(call, Guard) for call in _calls(route.dependant))
    ]
    assert routes and unguarded == []


def _seed_victim(api: Api) -> dict[str, str]:
    """Objects in the north home for the sweep to aim at."""
    room = {"room_id": "bathroom", "name": "Bathroom", "kind": "bathroom"}
    assert api.call("POST", f"/v1/homes/{HOME_NORTH}/rooms", "admin", json=room).status_code == 201
    device = {"device_id": "dev-1", "device_type": "t", "room_id": "bathroom"}
    assert (
        api.call("POST", f"/v1/homes/{HOME_NORTH}/devices", "admin", json=device).status_code == 201
    )
    gateway = {"gateway_id": "gw-1"}
    assert (
        api.call("POST", f"/v1/homes/{HOME_NORTH}/gateways", "admin", json=gateway).status_code
        == 201
    )
    key = api.call("POST", "/v1/apikeys", "admin", json={"name": "k", "role": "admin"}).json()
    alert_id = _victim_alert(api)
    return {
        "home_id": HOME_NORTH,
        "room_id": "bathroom",
        "device_id": "dev-1",
        "gateway_id": "gw-1",
        "alert_id": str(alert_id),
        "watch_id": str(add_watch(api, HOME_NORTH)),
        "username": "officer-north",
        "key_id": str(key["id"]),
        "table": "hazards_by_lsoa",  # the finer open-data table, for analysts only
        **seed_casework(api, HOME_NORTH),
    }


def _victim_alert(api: Api) -> int:
    from datetime import UTC, datetime  # noqa: PLC0415

    from dampwatch_api.alerts.models import Alert  # noqa: PLC0415

    context = api.client.app.state.context  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with context.sessions() as session:
        alert = Alert(
            home_id=HOME_NORTH,
            room="bathroom",
            kind="mould_risk",
            severity="high",
            status="open",
            condition_since=now,
            last_seen_at=now,
            evidence={"text": "mould index 3.1"},
        )
        session.add(alert)
        session.commit()
        return alert.id


@pytest.mark.parametrize("intruder", ["tenant-south", "officer-south", None])
def test_sweep_refuses_every_route_into_another_home(api: Api, intruder: str | None) -> None:
    values = _seed_victim(api)
    document = api.client.get("/openapi.json").json()
    checked = 0
    for template, operations in document["paths"].items():
        if template in PUBLIC_PATHS | CALLER_ONLY_PATHS:  # the caller's own: tested on its own
            continue
        path = template.format(
            **{name: values[name] for name in values if "{" + name + "}" in template}
        )
        for method in operations:
            kwargs: dict[str, Any] = {}
            if method in ("post", "put", "patch"):
                kwargs["json"] = {}
            if path == "/v1/alerts/bulk":
                kwargs["json"] = {"action": "resolve", "alert_ids": [values["alert_id"]]}
            if path == "/v1/stock-facts":
                kwargs = {"files": {"file": ("s.csv", f"home_id,energy_band\n{HOME_NORTH},A\n")}}
            response = api.call(method.upper(), path, intruder, **kwargs)
            checked += 1
            assert "Traceback" not in response.text
            if response.status_code in REFUSED:
                assert "detail" in response.json()
                continue
            if path == "/v1/alerts/bulk":  # answers, changing nothing it may not see
                assert response.json()["done"] == [], response.text
                assert response.json()["refused"][0]["reason"] == "not found"
                continue
            if path == "/v1/stock-facts":  # an officer's import refuses the row of that home
                assert response.json()["stored"] == 0, response.text
                assert response.json()["errors"][0]["value"] == HOME_NORTH
                continue
            # Platform-wide reads answer, but only with the caller's own data.
            assert intruder is not None and method == "get", (method, path, response.status_code)
            assert response.status_code == 200, (method, path, response.text)
            assert HOME_NORTH not in response.text, (method, path)
            assert "officer-north" not in response.text, (method, path)
    assert checked > 30
