"""What a condition report contains, gathered from the registry, alerts and InfluxDB."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.influx import InfluxQL
from dampwatch_api import home_series
from dampwatch_api.alerts import service
from dampwatch_api.alerts.models import Alert, AlertEvent
from dampwatch_api.evidence import room_names
from dampwatch_api.registry.models import Home, RoomKind
from dampwatch_api.registry.publish import home_consents


@dataclass
class RoomFigures:
    """One room's figures over the period."""

    room_id: str
    name: str
    hourly: home_series.HourlyRoom
    mould: list[tuple[datetime, float]]
    risk: dict[str, float]

    def stat(self, name: str) -> tuple[float, float, float] | None:
        """Lowest, mean and highest of one hourly field, or None without data."""
        values = [value for _, value in self.hourly.series(name)]
        if not values:
            return None
        return min(values), sum(values) / len(values), max(values)


@dataclass
class ReportData:
    """Everything the document shows."""

    home: Home
    start: datetime
    end: datetime
    consent: bool
    rooms: list[RoomFigures]
    alerts: list[Alert]
    events: dict[int, list[AlertEvent]] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # rooms' registered names


def gather(
    session: Session, influx: InfluxQL, home: Home, start: datetime, end: datetime
) -> ReportData:
    """The report's figures for `home` between `start` and `end` (no readings without consent)."""
    consent = home_consents(home)
    alerts = [
        alert
        for alert in session.scalars(
            select(Alert).where(Alert.home_id == home.home_id).order_by(Alert.opened_at)
        )
        if alert.opened_at < end and (alert.resolved_at is None or alert.resolved_at >= start)
    ]
    data = ReportData(home, start, end, consent, [], alerts)
    data.events = {alert.id: service.alert_events(session, alert.id) for alert in alerts}
    data.names = room_names(session, [home.home_id])
    if not consent:
        return data
    hourly = {
        room.room: room for room in home_series.hourly_rooms(influx, home.home_id, start, end)
    }
    mould = home_series.mould_trend(influx, home.home_id, start, end)
    risk = home_series.latest_risk(influx, home.home_id, start, end)
    for room in sorted(home.rooms, key=lambda item: item.name):
        if room.kind == RoomKind.OUTDOOR.value:
            continue
        data.rooms.append(
            RoomFigures(
                room_id=room.room_id,
                name=room.name,
                hourly=hourly.get(room.room_id, home_series.HourlyRoom(room.room_id)),
                mould=mould.get(room.room_id, []),
                risk=risk.get(room.room_id, {}),
            )
        )
    return data
