"""What a home page shows, gathered from the registry, the alert service and InfluxDB."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from markupsafe import Markup
from sqlalchemy.orm import Session

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch.assessment.kinds import HAZARD_KINDS, AlertKind, AlertStatus
from dampwatch.influx import InfluxError, InfluxQL
from dampwatch_api import home_series
from dampwatch_api.advice import RoomFacts, RoomStatus, room_status
from dampwatch_api.alerts import service
from dampwatch_api.alerts.models import Alert
from dampwatch_api.evidence import room_names
from dampwatch_api.pages import charts
from dampwatch_api.pages.flags import CaseView, FlagGroup, cases, flag_groups
from dampwatch_api.pages.timefmt import day
from dampwatch_api.registry.models import Device, Home, RoomKind
from dampwatch_api.registry.publish import home_consents

LOGGER = logging.getLogger(__name__)
PERIODS: Final = (7, 30)
ALERT_HISTORY_LIMIT: Final = 200
COLD_C: Final = DEFAULT_CONFIG.cold_c


@dataclass
class RoomView:
    """One room now, with its charts."""

    room_id: str
    name: str
    temperature_c: float | None
    humidity_pct: float | None  # None while its sensor's humidity is not trusted
    status: RoomStatus
    devices: list[str]
    charts: list[tuple[Markup, Markup]] = field(default_factory=list)


@dataclass
class HomeView:
    """Everything a home page renders."""

    home: Home
    days: int
    consent: bool
    rooms: list[RoomView]
    cases: list[CaseView]
    flags: list[FlagGroup]
    history: list[Alert]
    names: dict[tuple[str, str], str]
    has_sensors: bool
    readings_unavailable: bool = False  # InfluxDB did not answer: the rest still shows
    mould_chart: tuple[Markup, Markup] | None = None
    health: dict[str, dict[str, float]] = field(default_factory=dict)
    device_rooms: dict[str, str] = field(default_factory=dict)


def _room_charts(
    room: home_series.HourlyRoom, key: str, period: tuple[datetime, datetime], *, staff: bool
) -> list[tuple[Markup, Markup]]:
    lines = [charts.Line("Temperature", "temperature", room.series("temperature_c"))]
    if staff:  # the dew point helps an officer; it is jargon to a tenant
        lines.append(charts.Line("Dew point", "dew-point", room.series("dew_point_c")))
    climate = charts.Chart(
        "Temperature",
        " °C",
        lines,
        [charts.Threshold(f"Healthy: {COLD_C:.0f} °C or more", COLD_C)],
        period=period,
        min_span=6.0,
    )
    humidity = charts.Chart(
        "Humidity",
        " %",
        [charts.Line("Humidity", "humidity", room.series("humidity_pct"))],
        [
            charts.Threshold(
                f"Damp: {DEFAULT_CONFIG.room_rh_screen_pct:.0f} % or more",
                DEFAULT_CONFIG.room_rh_screen_pct,
            )
        ],
        fixed_range=(0.0, 100.0),
        period=period,
    )
    return [
        (charts.render(climate, f"{key}-climate"), charts.legend(climate)),
        (charts.render(humidity, f"{key}-humidity"), charts.legend(humidity)),
    ]


def _mould_chart(
    trend: dict[str, list[tuple[datetime, float]]],
    names: dict[str, str],
    period: tuple[datetime, datetime],
) -> tuple[Markup, Markup]:
    chart = charts.Chart(
        "Mould index by room (0 none, 1 first growth, 3 visible, 6 heavy)",
        "",
        [
            charts.Line(names.get(room, room or "home"), f"room-{index % 6}", points)
            for index, (room, points) in enumerate(sorted(trend.items()))
        ],
        [charts.Threshold("First growth expected (1)", DEFAULT_CONFIG.mould_raise_index)],
        fixed_range=(0.0, 2.0),
        period=period,
    )
    return charts.render(chart, "mould-trend"), charts.legend(chart)


def _sensor_states(alerts: list[Alert]) -> dict[str, str]:
    """The worst sensor trouble per room, from open device alerts."""
    states: dict[str, str] = {}
    for alert in alerts:
        if alert.kind == AlertKind.DEVICE_OFFLINE:
            states[alert.room] = "offline"
        elif alert.kind == AlertKind.SENSOR_FAULT and states.get(alert.room) != "offline":
            drifting = "drift_excess_hpa" in ((alert.evidence or {}).get("observed") or {})
            states[alert.room] = "drifting" if drifting else "faulty"
    return states


def _installed(home: Home) -> list[Device]:
    return [device for device in home.devices if device.removed_at is None]


def _room_view(room_id: str, name: str, facts: RoomFacts, devices: list[str]) -> RoomView:
    trusted = facts.sensor != "drifting"
    return RoomView(
        room_id=room_id,
        name=name,
        temperature_c=facts.temperature_c,
        humidity_pct=facts.humidity_pct if trusted else None,
        status=room_status(facts),
        devices=devices,
    )


def home_view(
    session: Session,
    influx: InfluxQL,
    home: Home,
    days: int,
    *,
    staff: bool,
    now: datetime | None = None,
) -> HomeView:
    """Gather the page of `home` over the last `days` days; no readings when consent is off."""
    end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(days=days)
    history = service.list_alerts(
        session,
        service.AlertFilter(home_id=home.home_id),
        service.Page(limit=ALERT_HISTORY_LIMIT),
    ).items
    open_alerts = [alert for alert in history if alert.status != AlertStatus.RESOLVED.value]
    names = room_names(session, [home.home_id])
    installed = _installed(home)
    view = HomeView(
        home=home,
        days=days,
        consent=home_consents(home),
        rooms=[],
        cases=cases(open_alerts, names),
        flags=flag_groups(open_alerts, names),
        history=history,
        names=names,
        has_sensors=bool(installed),
        device_rooms={
            device.device_id: device.room.name if device.room else "no room" for device in installed
        },
    )
    if not view.consent:
        return view
    try:
        _read_rooms(view, influx, open_alerts, installed, (start, end), staff=staff)
    except InfluxError:
        LOGGER.warning("readings of %s unavailable", home.home_id, exc_info=True)
        view.readings_unavailable = True
    return view


def _read_rooms(
    view: HomeView,
    influx: InfluxQL,
    open_alerts: list[Alert],
    installed: list[Device],
    period: tuple[datetime, datetime],
    *,
    staff: bool,
) -> None:
    """Rooms now, their charts, and for staff the mould trend and device health."""
    home, names = view.home, view.names
    start, end = period
    read = home_series.hourly_rooms(influx, home.home_id, start, end)
    hourly = {room.room: room for room in read}
    sensors = _sensor_states(open_alerts)
    for index, room in enumerate(sorted(home.rooms, key=lambda item: item.name)):
        if room.kind == RoomKind.OUTDOOR.value:
            continue
        series = hourly.get(room.room_id, home_series.HourlyRoom(room.room_id))
        devices = [device.device_id for device in installed if device.room_pk == room.id]
        last = series.times[-1] if series.times else None
        facts = RoomFacts(
            hazards={
                alert.kind: alert.severity
                for alert in open_alerts
                if alert.room == room.room_id and alert.kind in HAZARD_KINDS
            },
            sensor=sensors.get(room.room_id, "ok" if devices else "none"),
            temperature_c=series.latest("temperature_c"),
            humidity_pct=series.latest("humidity_pct"),
            last_reading=last,
            last_reading_day=day(last) if last else "",
        )
        room_view = _room_view(room.room_id, room.name, facts, devices)
        room_view.charts = _room_charts(series, f"room{index}", period, staff=staff)
        view.rooms.append(room_view)
    if staff:
        trend = home_series.mould_trend(influx, home.home_id, start, end)
        by_id = {room_id: name for (_, room_id), name in names.items()}
        view.mould_chart = _mould_chart(trend, by_id, period) if trend else None
        view.health = home_series.device_health(influx, home.home_id, start, end)
