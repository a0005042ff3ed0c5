"""A small estate for the browser tests: homes of the north portfolio with cases of every kind.

Alerts are raised through the alert service at chosen moments, so deadlines differ (some have
passed), and the tenant's own home gets the states a tenant must read right: a mould flag, an
emergency cold living room, a drifting humidity sensor.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select

from dampwatch.assessment.kinds import AlertKind, Evidence, Finding, Severity
from dampwatch_api.alerts import service
from dampwatch_api.registry.models import Device, Home, Room
from tests.api.conftest import HOME_NORTH, Api

ESTATE_HOMES = 12


class Case(NamedTuple):
    """A kind of case to raise: where, how bad, how long ago, with which figures."""

    kind: AlertKind
    severity: Severity
    room: str
    days_ago: int
    observed: dict[str, float]


CASES = (
    Case(AlertKind.MOULD_RISK, Severity.HIGH, "bathroom", 12, {"mould_index": 1.6}),
    Case(AlertKind.CONDENSATION_RISK, Severity.MEDIUM, "bedroom-1", 3, {"damp_days_7d": 4}),
    Case(AlertKind.COLD_HOME, Severity.EMERGENCY, "living-room", 0, {"cold_days_7d": 5}),
    Case(AlertKind.OVERHEATING, Severity.MEDIUM, "bedroom-1", 5, {"hot_night_hours_30d": 40}),
    Case(AlertKind.DEVICE_OFFLINE, Severity.MEDIUM, "bathroom", 1, {"last_seen_age_h": 30}),
)


def _finding(home_id: str, case: Case, since: datetime) -> Finding:
    kind, severity, room, observed = case.kind, case.severity, case.room, case.observed
    return Finding(
        home_id=home_id,
        room=room,
        kind=kind,
        severity=severity,
        evidence=Evidence(
            f"The {room.replace('-', ' ')} has shown {kind.value.replace('_', ' ')}.",
            168,
            "test threshold",
            observed,
        ),
        condition_since=since,
        subject=f"{home_id}-{room}" if kind is AlertKind.DEVICE_OFFLINE else "",
    )


def seed_estate(api: Api) -> list[str]:
    """Homes north-01 … north-12 with rooms and one to three cases each; their ids."""
    context = api.client.app.state.context  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    home_ids = []
    with context.sessions() as session:
        for number in range(1, ESTATE_HOMES + 1):
            home = Home(
                home_id=f"north-{number:02d}",
                address=f"{number + 10} Harbour Street",
                postcode=f"BS{number} 2AB",
                portfolio="north",
                vulnerabilities=["over_65"] if number % 4 == 0 else [],
            )
            session.add(home)
            session.flush()
            for room_id, name, kind in (
                ("bathroom", "Bathroom", "bathroom"),
                ("bedroom-1", "Front bedroom", "bedroom"),
                ("living-room", "Living room", "living"),
            ):
                session.add(Room(home_pk=home.id, room_id=room_id, name=name, kind=kind))
            for offset in range(1 + number % 3):
                case = CASES[(number + offset) % len(CASES)]
                moment = now - timedelta(days=case.days_ago + number % 2, hours=number)
                alert = service.raise_or_update(
                    session, _finding(home.home_id, case, moment), now=moment
                )
                alert.opened_at = moment
            home_ids.append(home.home_id)
        session.commit()
    return home_ids


def seed_tenant_home(api: Api) -> None:
    """The tenant's home: a cold living room (emergency) and a drifting bedroom sensor."""
    context = api.client.app.state.context  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with context.sessions() as session:
        home = session.scalar(select(Home).where(Home.home_id == HOME_NORTH))
        assert home is not None
        living = Room(home_pk=home.id, room_id="living-room", name="Living room", kind="living")
        session.add(living)
        session.flush()
        session.add(
            Device(home_pk=home.id, device_id="north-living", device_type="t", room_pk=living.id)
        )
        cold = _finding(HOME_NORTH, CASES[2], now - timedelta(days=2))
        service.raise_or_update(session, cold, now=now)
        drift = Finding(
            home_id=HOME_NORTH,
            room="bedroom-1",
            kind=AlertKind.SENSOR_FAULT,
            severity=Severity.MEDIUM,
            evidence=Evidence("drifting", 240, "drift", {"drift_excess_hpa": 2.1}),
            condition_since=now - timedelta(days=3),
            subject=f"{HOME_NORTH}-bedroom-1",
        )
        service.raise_or_update(session, drift, now=now)
        session.commit()
