"""The real API app for end-to-end tests: a migrated database, its lifespan, signed-in callers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from dampwatch_api.app import create_app
from dampwatch_api.db import migrate
from dampwatch_api.settings import ApiAppSettings
from dampwatch_sim.cohort import Cohort

# A simulated room's slug names its kind, except for numbered bedrooms and the living room.
ROOM_KINDS = {"living-room": "living", "kitchen": "kitchen", "bathroom": "bathroom"}
OUTDOOR = "outdoor"


@dataclass
class ApiClient:
    """A TestClient on a running app (lifespan included) and bearer tokens by caller."""

    client: TestClient
    settings: ApiAppSettings
    tokens: dict[str, str] = field(default_factory=dict)

    def sign_in(self, username: str, password: str) -> str:
        """Exchange a password for a token and remember it under the username."""
        response = self.client.post(
            "/v1/auth/token", data={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        self.tokens[username] = token
        return token

    def call(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> Any:
        """A request as `who` (None: without credentials)."""
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client.request(method, path, headers=headers, **kwargs)

    def created(self, path: str, who: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` and require 201."""
        response = self.call("POST", path, who, json=body)
        assert response.status_code == 201, (path, response.status_code, response.text)
        result: dict[str, Any] = response.json()
        return result


@contextmanager
def running_api(settings: ApiAppSettings, *, connect_broker: bool) -> Iterator[ApiClient]:
    """Migrate the settings' database, start the app and sign the admin in."""
    migrate(settings.sqlalchemy_url)
    app = create_app(settings, connect_broker=connect_broker)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = ApiClient(client, settings)
        api.sign_in(settings.admin_username, settings.bootstrap_admin_password)
        yield api


def room_kind(room: str) -> str:
    """The registry's room kind of a simulated room slug."""
    if room == OUTDOOR:
        return OUTDOOR
    if room.startswith("bedroom"):
        return "bedroom"
    return ROOM_KINDS.get(room, "other")


def register_cohort(api: ApiClient, cohort: Cohort, *, portfolio: str, who: str) -> int:
    """Register every home, room and device of `cohort` through the API; returns devices."""
    registered = 0
    for number, home in enumerate(cohort.homes, start=1):
        api.created(
            "/v1/homes",
            who,
            {
                "home_id": home.home_id,
                "address": f"{number} Simulated Street",
                "postcode": f"BS{number} 1AA",
                "portfolio": portfolio,
            },
        )
        devices = cohort.rooms_of(home.home_id)
        for room in sorted(set(devices.values())):
            name = room.replace("-", " ").title()
            body = {"room_id": room, "name": name, "kind": room_kind(room)}
            api.created(f"/v1/homes/{home.home_id}/rooms", who, body)
        for device, room in sorted(devices.items()):
            body = {"device_id": device, "device_type": "sim-th", "room_id": room}
            api.created(f"/v1/homes/{home.home_id}/devices", who, body)
            registered += 1
    return registered
