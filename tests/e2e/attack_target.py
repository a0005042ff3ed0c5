"""A real `dampwatch api` process to attack: two workers, SQLite or PostgreSQL, a real InfluxDB.

Two homes in two portfolios. The north home is the victim: every string of its data is unique
(`MARKERS`), so any answer that carries one to another principal shows up as plain text. The
south home's tenant and officer are the intruders.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from dampwatch.assessment.kinds import AlertKind, Evidence, Finding, Severity
from dampwatch_api.alerts import service
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.predict.models import Prediction, PredictionRun
from dampwatch_api.registry.models import Home
from dampwatch_stack.servers import InfluxServer, MosquittoServer, free_port
from tests.support import InfluxDatabase

ADMIN_PASSWORD = "violet-harbour-lantern-58"
PASSWORD = "amber-meadow-compass-41"
NORTH, SOUTH = "victim-north-1", "south-1"
VICTIM: dict[str, str] = {
    "home_id": NORTH,
    "room_id": "north-snug",
    "device_id": "north-dev-7731",
    "gateway_id": "north-gw-7731",
    "username": "tenant-north",
}
# Every string of the victim's data that must never reach another principal.
MARKERS = (
    NORTH,
    "1 North Rd 7731",
    "BS1 7AA",
    "Snug 7731",
    "north-snug",
    "north-dev-7731",
    "north-gw-7731",
    "tenant-north",
    "officer-north",
    "Nora North-7731",
    "nora-7731@example.org",
    "23.4567",
    "67.8912",
    "evidence-north-9431",
    "note-north-5521",
)
# What a co-tenant of the victim's home must not see either: other people, the staff's notes.
PERSONAL = ("Nora North-7731", "nora-7731@example.org", "note-north-5521", "officer-north")
USERS = {
    "officer-north": {"role": "officer", "portfolios": ["north"]},
    "officer-south": {"role": "officer", "portfolios": ["south"]},
    "tenant-north": {"role": "tenant", "home_id": NORTH},
    "tenant-south": {"role": "tenant", "home_id": SOUTH},
    "tenant-north-2": {"role": "tenant", "home_id": NORTH},
    "analyst-office": {"role": "analyst"},
}


@dataclass
class Target:
    """The running API, its secret, the callers' tokens and the victim's ids."""

    base_url: str
    secret_key: str
    database_url: str
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    victim: dict[str, str] = field(default_factory=lambda: dict(VICTIM))
    log: Path | None = None

    def client(self, who: str | None = None, **kwargs: Any) -> httpx.Client:
        """An HTTP client, as `who` (None: anonymous); no proxy from the environment."""
        headers = dict(kwargs.pop("headers", {}))
        if who:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        # A fresh connection per request: uvicorn drops idle ones after 5 s, and a request
        # racing that drop would fail for the test's sake, not the API's.
        no_reuse = httpx.Limits(max_keepalive_connections=0)
        return httpx.Client(
            base_url=self.base_url,
            headers=headers,
            trust_env=False,
            timeout=30,
            limits=no_reuse,
            **kwargs,
        )

    def call(self, method: str, path: str, who: str | None = "admin", **kwargs: Any) -> Any:
        """One request as `who`."""
        with self.client(who) as client:
            return client.request(method, path, **kwargs)


def _environment(
    database_url: str, data_dir: Path, influx: InfluxServer, database: str, mqtt_port: int
) -> dict[str, str]:
    keep = {key: value for key, value in os.environ.items() if not key.startswith("DAMPWATCH_")}
    return keep | {
        "DAMPWATCH_DATABASE_URL": database_url,
        "DAMPWATCH_DATA_DIR": str(data_dir),
        "DAMPWATCH_SECRET_KEY": secrets.token_urlsafe(32),
        "DAMPWATCH_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "DAMPWATCH_INFLUX_URL": influx.url,
        "DAMPWATCH_INFLUX_API": "v1",
        "DAMPWATCH_INFLUX_DATABASE": database,
        "DAMPWATCH_MQTT_PORT": str(mqtt_port),
        "DAMPWATCH_LOG_LEVEL": "WARNING",
        "DAMPWATCH_LOGIN_MAX_DELAY_S": "1",
        "no_proxy": "*",
    }


def run_api(
    database_url: str, data_dir: Path, influx: InfluxServer, database: str, **extra: str
) -> Iterator[Target]:
    """Start a broker and `dampwatch api --workers 2`, wait until it answers, stop both after."""
    broker = MosquittoServer(data_dir / "mosquitto")
    broker.start()
    try:
        env = _environment(database_url, data_dir, influx, database, broker.port) | extra
        yield from _running(env, data_dir)
    finally:
        broker.stop()


def _running(env: dict[str, str], data_dir: Path) -> Iterator[Target]:
    port = free_port()
    log = data_dir / "api.log"
    command = [sys.executable, "-m", "dampwatch_api.main", "--port", str(port), "--workers", "2"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    database_url = env["DAMPWATCH_DATABASE_URL"]
    target = Target(f"http://127.0.0.1:{port}", env["DAMPWATCH_SECRET_KEY"], database_url, log=log)
    try:
        _wait_until_up(target, process)
        yield target
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_until_up(target: Target, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180  # two workers importing numpy and matplotlib on a busy box
    while True:
        assert process.poll() is None, target.log.read_text()[-3000:] if target.log else ""
        assert time.monotonic() < deadline, "the API did not start"
        try:
            if target.call("GET", "/openapi.json", None).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)


def _created(target: Target, path: str, body: dict[str, Any], who: str = "admin") -> Any:
    response = target.call("POST", path, who, json=body)
    assert response.status_code == 201, (path, response.status_code, response.text)
    return response.json()


def sign_in(target: Target, username: str, password: str) -> None:
    """A token for the user, through the password flow."""
    response = target.call(
        "POST", "/v1/auth/token", None, data={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    target.tokens[username] = response.json()["access_token"]


def seed(target: Target, influx: InfluxDatabase) -> None:
    """Both homes with rooms, devices, gateways, tenancies, users, alerts, notes and readings."""
    sign_in(target, "admin", ADMIN_PASSWORD)
    for home, number, portfolio in (
        (NORTH, "1 North Rd 7731", "north"),
        (SOUTH, "2 South Rd", "south"),
    ):
        postcode = "BS1 7AA" if home == NORTH else "BS3 1AA"
        _created(
            target,
            "/v1/homes",
            {"home_id": home, "address": number, "postcode": postcode, "portfolio": portfolio},
        )
    south = {"room_id": "south-den", "name": "Den", "kind": "living"}
    for home, room, device, gateway in (
        (
            NORTH,
            {"room_id": "north-snug", "name": "Snug 7731", "kind": "living"},
            "north-dev-7731",
            "north-gw-7731",
        ),
        (SOUTH, south, "south-dev-1", "south-gw-1"),
    ):
        _created(target, f"/v1/homes/{home}/rooms", room)
        body = {"device_id": device, "device_type": "th", "room_id": room["room_id"]}
        _created(target, f"/v1/homes/{home}/devices", body)
        _created(target, f"/v1/homes/{home}/gateways", {"gateway_id": gateway})
    for username, fields in USERS.items():
        _created(target, "/v1/users", {"username": username, "password": PASSWORD, **fields})
        sign_in(target, username, PASSWORD)
    tenancy = {
        "name": "Nora North-7731",
        "email": "nora-7731@example.org",
        "username": "tenant-north",
        "consent": True,
    }
    _created(target, f"/v1/homes/{NORTH}/tenants", tenancy)
    _created(
        target,
        f"/v1/homes/{SOUTH}/tenants",
        {"name": "Sam South", "username": "tenant-south", "consent": True},
    )
    target.victim["alert_id"] = str(
        _alert(target.database_url, NORTH, "north-snug", "evidence-north-9431")
    )
    target.victim["own_alert_id"] = str(
        _alert(target.database_url, SOUTH, "south-den", "south evidence")
    )
    _created(
        target,
        f"/v1/alerts/{target.victim['alert_id']}/notes",
        {"text": "note-north-5521"},
        "officer-north",
    )
    _predictions(target.database_url)
    key = _created(target, "/v1/apikeys", {"name": "ops-key", "role": "admin"})
    target.victim["key_id"] = str(key["id"])
    at_ms = int(datetime.now(UTC).timestamp() * 1000) - 600_000
    influx.write(
        f"reading,home={NORTH},device=north-dev-7731,room=north-snug "
        f"temperature_c=23.4567,humidity_pct=67.8912,seq=1i {at_ms}\n"
        f"reading,home={SOUTH},device=south-dev-1,room=south-den "
        f"temperature_c=19.8765,humidity_pct=55.5,seq=1i {at_ms}\n",
    )


def _predictions(database_url: str) -> None:
    """A stored prediction run over both homes (as `dampwatch predict` leaves one), so the
    prediction routes answer with homes for the walk to look into."""
    engine = create_db_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            run = PredictionRun(winter_start=datetime(2026, 10, 1, tzinfo=UTC), homes=2)
            run.finished_at = datetime.now(UTC)
            session.add(run)
            session.flush()
            homes = session.scalars(select(Home).where(Home.home_id.in_([NORTH, SOUTH])))
            for number, home in enumerate(homes, start=1):
                for kind in ("damp", "cold"):
                    reason = {
                        "feature": "energy_band",
                        "value": "F",
                        "contribution": 0.4,
                        "text": f"energy band F: homes like this are more often {kind}",
                    }
                    session.add(
                        Prediction(
                            run_pk=run.id,
                            home_pk=home.id,
                            kind=kind,
                            probability=0.1 * number,
                            rank=number,
                            monitored=False,
                            lsoa="E01014540",
                            msoa="E02003043",
                            reasons=[reason],
                        )
                    )
            session.commit()
    finally:
        engine.dispose()


def _alert(database_url: str, home: str, room: str, evidence: str) -> int:
    engine = create_db_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            finding = Finding(
                home_id=home,
                room=room,
                kind=AlertKind.MOULD_RISK,
                severity=Severity.HIGH,
                evidence=Evidence(evidence, 168, "RH ≥ 70 %", {"hours": 60.0}),
                condition_since=datetime.now(UTC),
            )
            alert = service.raise_or_update(session, finding)
            session.commit()
            return alert.id
    finally:
        engine.dispose()
