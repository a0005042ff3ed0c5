"""Seeding for page, report and data-rights tests: rooms, hourly readings, risk, an alert."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from dampwatch.assessment.kinds import AlertKind, Evidence, Finding, Severity
from dampwatch_api.alerts import service
from dampwatch_api.registry.models import Device, Home, Room
from tests.api.conftest import PASSWORD, Api
from tests.support import InfluxDatabase

HOURS = 72
ROOMS = (("bathroom", "Bathroom", "bathroom"), ("bedroom-1", "Bedroom", "bedroom"))
EVIDENCE_TEXT = "humidity above 70 % for 60 of the last 168 hours"
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def hour_start(hours_ago: int) -> datetime:
    """The start of the hour `hours_ago` hours before this one."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return now - timedelta(hours=hours_ago)


def seed_rooms(api: Api, home_id: str) -> None:
    """Two rooms with a sensor each."""
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        home = session.scalar(select(Home).where(Home.home_id == home_id))
        for room_id, name, kind in ROOMS:
            room = Room(home_pk=home.id, room_id=room_id, name=name, kind=kind)
            session.add(room)
            session.flush()
            session.add(
                Device(
                    home_pk=home.id,
                    device_id=f"{home_id}-{room_id}",
                    device_type="t",
                    room_pk=room.id,
                )
            )
        session.commit()


def reading_lines(home_id: str, hours: int = HOURS, per_hour: int = 4) -> list[str]:
    """Readings every 15 minutes: bathroom humid (80 %), bedroom dry (50 %), both 19 °C."""
    lines = []
    for hour in range(hours):
        start = hour_start(hour + 1)
        for step in range(per_hour):
            moment = start + timedelta(minutes=15 * step)
            for room_id, humidity in (("bathroom", 80.0), ("bedroom-1", 50.0)):
                device = f"{home_id}-{room_id}"
                lines.append(
                    f"reading,home={home_id},device={device},room={room_id} "
                    f"temperature_c=19.0,humidity_pct={humidity},seq={hour * per_hour + step}i "
                    f"{int(moment.timestamp() * 1000)}"
                )
    return lines


def risk_lines(home_id: str, hours: int = HOURS) -> list[str]:
    """A bathroom mould index rising to 1.5, hours above thresholds 60 and 40."""
    lines = []
    for hour in range(hours):
        index = 1.5 * (hours - hour) / hours
        moment = int(hour_start(hour + 1).timestamp() * 1000)
        lines.append(
            f"risk,home={home_id},room=bathroom mould_index={index:.3f},hours_rh70_30d=60,"
            f"hours_surface80_30d=40,hours_below_18c_7d=0,score=55 {moment}"
        )
    return lines


def seed_influx(db: InfluxDatabase, home_id: str) -> int:
    """Write readings and risk; returns how many reading points were written."""
    readings = reading_lines(home_id)
    db.write("\n".join(readings))
    db.write("\n".join(risk_lines(home_id)))
    return len(readings)


def seed_alert(api: Api, home_id: str) -> int:
    """A high mould alert in the bathroom, raised through the alert service."""
    context = api.client.app.state.context  # type: ignore[attr-defined]
    finding = Finding(
        home_id=home_id,
        room="bathroom",
        kind=AlertKind.MOULD_RISK,
        severity=Severity.HIGH,
        evidence=Evidence(EVIDENCE_TEXT, 168, "RH ≥ 70 %", {"hours": 60.0}),
        condition_since=hour_start(HOURS),
    )
    with context.sessions() as session:
        alert = service.raise_or_update(session, finding)
        session.commit()
        return alert.id


def page_client(api: Api, username: str, password: str = PASSWORD) -> TestClient:
    """A browser-like client signed in through the sign-in form."""
    client = TestClient(api.client.app, follow_redirects=False)
    form = client.get("/login")
    token = csrf_of(form.text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
    )
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = CSRF_RE.search(html)
    assert match, "the page has no form token"
    return match.group(1)
