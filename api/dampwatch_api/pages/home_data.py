"""What a home page shows, gathered from the registry, the alert service and InfluxDB."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from markupsafe import Markup
from sqlalchemy.orm import Session

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch.assessment.kinds import AlertStatus
from dampwatch.influx import InfluxQL
from dampwatch_api import home_series
from dampwatch_api.advice import FlagAdvice, RoomStatus, advice_for, room_status
from dampwatch_api.alerts import service
from dampwatch_api.alerts.models import Alert
from dampwatch_api.pages import charts
from dampwatch_api.registry.models import Home, RoomKind
from dampwatch_api.registry.publish import home_consents

PERIODS: Final = (7, 30)
ALERT_HISTORY_LIMIT: Final = 200


@dataclass
class RoomView:
    """One room now, with its charts."""

    room_id: str
    name: str
    temperature_c: float | None
    humidity_pct: float | None
    dew_point_c: float | None
    status: RoomStatus
    charts: list[tuple[Markup, Markup]] = field(default_factory=list)


@dataclass
class HomeView:
    """Everything a home page renders."""

    home: Home
    days: int
    consent: bool
    rooms: list[RoomView]
    open_alerts: list[Alert]
    history: list[Alert]
    advice: dict[str, FlagAdvice]
    mould_chart: tuple[Markup, Markup] | None = None
    health: dict[str, dict[str, float]] = field(default_factory=dict)


def _room_charts(room: home_series.HourlyRoom, key: str) -> list[tuple[Markup, Markup]]:
    climate = charts.Chart(
        "Temperature and dew point",
        " °C",
        [
            charts.Line("Temperature", "temperature", room.series("temperature_c")),
            charts.Line("Dew point", "dew-point", room.series("dew_point_c")),
        ],
        [
            charts.Threshold(
                f"Healthy minimum {DEFAULT_CONFIG.cold_c:.0f} °C", DEFAULT_CONFIG.cold_c
            )
        ],
    )
    humidity = charts.Chart(
        "Relative humidity",
        " %",
        [charts.Line("Humidity", "humidity", room.series("humidity_pct"))],
        [
            charts.Threshold(
                f"Damp threshold {DEFAULT_CONFIG.room_rh_screen_pct:.0f} %",
                DEFAULT_CONFIG.room_rh_screen_pct,
            )
        ],
    )
    return [
        (charts.render(climate, f"{key}-climate"), charts.legend(climate)),
        (charts.render(humidity, f"{key}-humidity"), charts.legend(humidity)),
    ]


def _mould_chart(trend: dict[str, list[tuple[datetime, float]]]) -> tuple[Markup, Markup]:
    chart = charts.Chart(
        "Mould index by room (0 none – 6 heavy growth)",
        "",
        [
            charts.Line(room or "home", f"room-{index % 6}", points)
            for index, (room, points) in enumerate(sorted(trend.items()))
        ],
        [charts.Threshold("First growth expected (1)", DEFAULT_CONFIG.mould_raise_index)],
    )
    return charts.render(chart, "mould-trend"), charts.legend(chart)


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
    consent = home_consents(home)
    alerts = service.list_alerts(
        session,
        service.AlertFilter(home_id=home.home_id),
        service.Page(limit=ALERT_HISTORY_LIMIT),
    ).items
    open_alerts = [alert for alert in alerts if alert.status != AlertStatus.RESOLVED.value]
    open_kinds: dict[str, set[str]] = {}
    for alert in open_alerts:
        open_kinds.setdefault(alert.room, set()).add(alert.kind)
    view = HomeView(
        home=home,
        days=days,
        consent=consent,
        rooms=[],
        open_alerts=open_alerts,
        history=alerts,
        advice={alert.kind: advice_for(alert.kind) for alert in alerts},
    )
    if not consent:
        return view
    hourly = {
        room.room: room for room in home_series.hourly_rooms(influx, home.home_id, start, end)
    }
    for index, room in enumerate(sorted(home.rooms, key=lambda item: item.name)):
        if room.kind == RoomKind.OUTDOOR.value:
            continue
        series = hourly.get(room.room_id, home_series.HourlyRoom(room.room_id))
        temperature, humidity = series.latest("temperature_c"), series.latest("humidity_pct")
        view.rooms.append(
            RoomView(
                room_id=room.room_id,
                name=room.name,
                temperature_c=temperature,
                humidity_pct=humidity,
                dew_point_c=series.latest("dew_point_c"),
                status=room_status(temperature, humidity, open_kinds.get(room.room_id, set())),
                charts=_room_charts(series, f"room{index}"),
            )
        )
    if staff:
        trend = home_series.mould_trend(influx, home.home_id, start, end)
        view.mould_chart = _mould_chart(trend) if trend else None
        view.health = home_series.device_health(influx, home.home_id, start, end)
    return view
