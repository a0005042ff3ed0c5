"""What `dampwatch demo` asks of the API over HTTP: the registry, demo users, the board."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

DEMO_PORTFOLIO = "demo"
OFFICER_USERNAME = "officer"
PATCHES = ("north", "south", "east", "west")
STREETS = ("Cheltenham Road", "Gloucester Road", "Mina Road", "Ashley Road", "Stapleton Road")
# Room slug (the simulator's room names) → the registry's room kind.
ROOM_KINDS: Mapping[str, str] = {
    "living-room": "living",
    "kitchen": "kitchen",
    "bathroom": "bathroom",
    "outdoor": "outdoor",
}
REGISTRY_WORKERS = 4
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ApiError(RuntimeError):
    """The API refused a request or could not be reached; the message says which and why."""


@dataclass(frozen=True)
class DemoHome:
    """A home to register: its rooms and each device's room."""

    home_id: str
    rooms: tuple[str, ...]
    devices: Mapping[str, str]
    number: int
    postcode: str | None = None  # a real postcode; None: a made-up Bristol one
    town: str = "Bristol"


@dataclass(frozen=True)
class Credentials:
    """A demo user's sign-in."""

    username: str
    password: str


def room_kind(slug: str) -> str:
    """The registry's kind of a room slug (`bedroom-2` is a bedroom)."""
    if slug.startswith("bedroom"):
        return "bedroom"
    return ROOM_KINDS.get(slug, "other")


def demo_password() -> str:
    """A fresh password for a demo user (the API wants at least 10 characters)."""
    return secrets.token_urlsafe(12)


class DemoApi:
    """A small JSON client of the API, authenticated with an API key."""

    def __init__(self, base_url: str, api_key: str, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        self._timeout_s = timeout_s

    def request(
        self, method: str, path: str, body: Any = None, *, accept: Sequence[int] = (200, 201)
    ) -> tuple[int, Any]:
        """Send one request; a status outside `accept` raises ApiError with the API's detail."""
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self._headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310 - the URL is the local stack's API
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with _OPENER.open(request, timeout=self._timeout_s) as response:
                status, raw = int(response.status), response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (OSError, urllib.error.URLError) as error:
            raise ApiError(
                f"{method} {path}: the API at {self.base_url} does not answer: {error}"
            ) from None
        if status not in accept:
            raise ApiError(f"{method} {path}: HTTP {status}: {_detail(raw)}")
        return status, json.loads(raw) if raw else None

    def register(self, homes: Sequence[DemoHome]) -> None:
        """Create each home with its rooms and devices (existing ones are kept as they are)."""
        with ThreadPoolExecutor(REGISTRY_WORKERS, thread_name_prefix="register") as pool:
            list(pool.map(self._register_home, homes))

    def _register_home(self, home: DemoHome) -> None:
        self.request(
            "POST",
            "/v1/homes",
            {
                "home_id": home.home_id,
                "address": f"{home.number} {STREETS[home.number % len(STREETS)]}, {home.town}",
                "postcode": home.postcode or f"BS{home.number % 16 + 1} {home.number % 9 + 1}DW",
                "portfolio": DEMO_PORTFOLIO,
                "patch": PATCHES[home.number % len(PATCHES)],
            },
            accept=(201, 409),
        )
        base = f"/v1/homes/{home.home_id}"
        for slug in home.rooms:
            name = slug.replace("-", " ").capitalize()
            room = {"room_id": slug, "name": name, "kind": room_kind(slug)}
            self.request("POST", f"{base}/rooms", room, accept=(201, 409))
        for device_id, slug in home.devices.items():
            device = {
                "device_id": device_id,
                "device_type": "temperature-humidity sensor",
                "room_id": slug,
                "expected_interval_s": 300,
                "battery_powered": True,
            }
            self.request("POST", f"{base}/devices", device, accept=(201, 409))

    def create_officer(self) -> Credentials:
        """An officer of the demo portfolio (a new password when it exists already)."""
        return self._user(OFFICER_USERNAME, {"role": "officer", "portfolios": [DEMO_PORTFOLIO]})

    def create_tenant(self, home_id: str) -> Credentials:
        """A tenant user of one home."""
        return self._user(f"tenant-{home_id}", {"role": "tenant", "home_id": home_id})

    def _user(self, username: str, fields: dict[str, Any]) -> Credentials:
        password = demo_password()
        body = {"username": username, "password": password, **fields}
        status, _ = self.request("POST", "/v1/users", body, accept=(201, 409))
        if status == 409:
            self.request("PATCH", f"/v1/users/{username}", {"password": password, "active": True})
        return Credentials(username, password)

    def board(self) -> list[dict[str, Any]]:
        """Every home on the officers' board, highest priority first."""
        entries: list[dict[str, Any]] = []
        while True:
            _, page = self.request("GET", f"/v1/board?limit=500&offset={len(entries)}")
            entries.extend(page)
            if len(page) < 500:
                return entries

    def serves(self, path: str) -> bool:
        """Whether the API has a page at `path` (anything but 404)."""
        request = urllib.request.Request(self.base_url + path, method="GET")  # noqa: S310
        try:
            with _OPENER.open(request, timeout=self._timeout_s):
                return True
        except urllib.error.HTTPError as error:
            return error.code != 404
        except (OSError, urllib.error.URLError):
            return False


def _detail(raw: bytes) -> str:
    try:
        detail = json.loads(raw).get("detail", raw.decode(errors="replace"))
    except (ValueError, AttributeError):
        detail = raw.decode(errors="replace")
    return str(detail)[:300]
