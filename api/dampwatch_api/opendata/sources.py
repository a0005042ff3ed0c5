"""Home-months from SQL and InfluxDB: who may be counted, where each home lies, what it showed."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dampwatch.assessment.kinds import AlertKind
from dampwatch.const import MEASUREMENT_READING, MEASUREMENT_RISK, TAG_HOME, TAG_ROOM
from dampwatch.influx import InfluxQL
from dampwatch.opendata.records import STOCK_FACTS, HomeMonth, floor_area_band, record_key
from dampwatch_api.alerts.models import Alert
from dampwatch_api.home_series import quote
from dampwatch_api.places.models import HomePlace, HomeStockFacts
from dampwatch_api.registry.models import Home, Room, RoomKind
from dampwatch_api.registry.statistics import statistics_condition

UK: Final = ZoneInfo("Europe/London")
COLD_BELOW_C: Final = 18.0  # WHO 2018 Housing and health guidelines: at least 18 °C
HOMES_PER_QUERY: Final = 200  # one InfluxQL answer stays a few MB (200 homes x rooms x 744 h)
HAZARDS: Final = {
    "damp": (AlertKind.MOULD_RISK, AlertKind.CONDENSATION_RISK),
    "cold": (AlertKind.COLD_HOME,),
    "overheating": (AlertKind.OVERHEATING,),
}


@dataclass(frozen=True, slots=True)
class CountedHome:
    """A home statistics may count, where it lies and its stock facts."""

    home_id: str
    areas: dict[str, str]
    imd_decile: int | None
    facts: dict[str, str]


@dataclass(slots=True)
class Gathered:
    """The home-months of a publication and the homes left out, by reason."""

    rows: list[HomeMonth] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def month_bounds(period: str) -> tuple[datetime, datetime]:
    """A calendar month in UK time, as UTC instants [start, end)."""
    year, month = (int(part) for part in period.split("-"))
    after = (year + 1, 1) if month == 12 else (year, month + 1)
    start = datetime(year, month, 1, tzinfo=UK).astimezone(UTC)
    return start, datetime(after[0], after[1], 1, tzinfo=UK).astimezone(UTC)


def counted_homes(
    session: Session, regions: dict[str, str], gathered: Gathered
) -> list[CountedHome]:
    """Homes whose tenants have not opted out of statistics, placed in every area level."""
    query = (
        select(Home.home_id, HomePlace, HomeStockFacts)
        .outerjoin(HomePlace, HomePlace.home_pk == Home.id)
        .outerjoin(HomeStockFacts, HomeStockFacts.home_pk == Home.id)
        .where(statistics_condition())
        .order_by(Home.home_id)
    )
    homes: list[CountedHome] = []
    for home_id, place, facts in session.execute(query):
        lad = place.lad if place is not None else None
        if place is None or not (place.lsoa and place.msoa and lad):
            gathered.left_out["not placed in census geography"] += 1
            continue
        if lad not in regions:
            gathered.left_out["local authority not in the area lookup"] += 1
            continue
        areas = {"lsoa": place.lsoa, "msoa": place.msoa, "lad": lad, "region": regions[lad]}
        homes.append(CountedHome(home_id, areas, place.imd_decile, _facts(facts)))
    return homes


def _facts(stock: HomeStockFacts | None) -> dict[str, str]:
    if stock is None:
        return {}
    found = {fact: getattr(stock, fact) for fact in STOCK_FACTS if fact != "floor_area_band"}
    found = {fact: value for fact, value in found.items() if value}
    if stock.floor_area_m2 is not None:
        found["floor_area_band"] = floor_area_band(stock.floor_area_m2)
    return found


def outdoor_rooms(session: Session) -> set[tuple[str, str]]:
    """(home, room) of outdoor sensors, never counted as the home's rooms."""
    query = select(Home.home_id, Room.room_id).join(Room.home).where(Room.kind == RoomKind.OUTDOOR)
    return {(home, room) for home, room in session.execute(query)}


def hazards(session: Session, start: datetime, end: datetime) -> dict[str, set[str]]:
    """Homes with a hazard open at any time in [start, end), per hazard."""
    kinds = [kind.value for group in HAZARDS.values() for kind in group]
    query = select(Alert.home_id, Alert.kind).where(
        Alert.kind.in_(kinds),
        Alert.opened_at < end,
        or_(Alert.resolved_at.is_(None), Alert.resolved_at >= start),
    )
    found: dict[str, set[str]] = {name: set() for name in HAZARDS}
    for home_id, kind in session.execute(query):
        for name, group in HAZARDS.items():
            if kind in group:
                found[name].add(home_id)
    return found


def _homes_clause(homes: Sequence[str]) -> str:
    return "(" + " OR ".join(f"{TAG_HOME} = {quote(home)}" for home in homes) + ")"


def _chunks(homes: Sequence[str]) -> Iterable[Sequence[str]]:
    for first in range(0, len(homes), HOMES_PER_QUERY):
        yield homes[first : first + HOMES_PER_QUERY]


def hourly_indoor(
    influx: InfluxQL,
    homes: Sequence[str],
    span: tuple[datetime, datetime],
    outdoor: set[tuple[str, str]],
) -> dict[str, dict[int, list[tuple[float | None, float | None]]]]:
    """Per counted home, per hour: the (temperature, RH) hourly means of each indoor room.
    Only the counted homes are read, a batch of homes per query."""
    start, end = span
    found: dict[str, dict[int, list[tuple[float | None, float | None]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for batch in _chunks(homes):
        statement = (
            "SELECT mean(temperature_c) AS t, mean(humidity_pct) AS rh "  # noqa: S608
            f"FROM {MEASUREMENT_READING} WHERE {_homes_clause(batch)} "
            f"AND time >= {_ms(start)}ms AND time < {_ms(end)}ms "
            f"GROUP BY time(1h), {TAG_HOME}, {TAG_ROOM} fill(none)"
        )
        for series in influx.query(statement):
            tags = series.get("tags") or {}
            home, room = tags.get(TAG_HOME, ""), tags.get(TAG_ROOM, "")
            if not home or (home, room) in outdoor:
                continue
            for values in series.get("values", []):
                row = dict(zip(series["columns"], values, strict=True))
                found[home][int(row["time"])].append((row.get("t"), row.get("rh")))
    return found


def highest_mould_index(
    influx: InfluxQL, homes: Sequence[str], span: tuple[datetime, datetime]
) -> dict[str, float]:
    """Each counted home's highest assessed mould index in the span."""
    start, end = span
    found: dict[str, float] = {}
    for batch in _chunks(homes):
        statement = (
            f"SELECT max(mould_index) AS m FROM {MEASUREMENT_RISK} "  # noqa: S608
            f"WHERE {_homes_clause(batch)} AND time >= {_ms(start)}ms AND time < {_ms(end)}ms "
            f"GROUP BY {TAG_HOME}"
        )
        for row in influx.rows(statement):
            if row.get("m") is not None and row.get(TAG_HOME):
                found[row[TAG_HOME]] = float(row["m"])
    return found


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _mean(values: Iterable[float | None]) -> float | None:
    present = [float(value) for value in values if value is not None]
    return sum(present) / len(present) if present else None


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """What one home's readings showed in a month."""

    hours: int
    hours_below_18c: float
    room_rh_pct: float | None


def month_figures(hours: dict[int, list[tuple[float | None, float | None]]]) -> MonthFigures:
    """Hours with data, hours whose mean indoor temperature was below 18 °C, median RH."""
    temperatures = [_mean(t for t, _ in rooms) for rooms in hours.values()]
    humidities = [h for rooms in hours.values() if (h := _mean(rh for _, rh in rooms)) is not None]
    below = sum(1 for t in temperatures if t is not None and t < COLD_BELOW_C)
    median_rh = round(statistics.median(humidities), 1) if humidities else None
    return MonthFigures(len(hours), float(below), median_rh)


def home_months(
    homes: Sequence[CountedHome],
    period: str,
    readings: dict[str, Any],
    context: tuple[dict[str, set[str]], dict[str, float]],
    *,
    min_hours: int,
    salt: str,
) -> list[HomeMonth]:
    """The monitored homes' rows of one month (a home with no reading is not monitored)."""
    open_hazards, mould = context
    rows = []
    for home in homes:
        hours = readings.get(home.home_id)
        if not hours:
            continue
        figures = month_figures(hours)
        enough = figures.hours >= min_hours
        rows.append(
            HomeMonth(
                home_key=home.home_id,
                record_key=record_key(home.home_id, salt),
                period=period,
                areas=home.areas,
                imd_decile=home.imd_decile,
                facts=home.facts,
                damp=home.home_id in open_hazards["damp"],
                cold=home.home_id in open_hazards["cold"],
                overheating=home.home_id in open_hazards["overheating"],
                hours_below_18c=figures.hours_below_18c if enough else None,
                room_rh_pct=figures.room_rh_pct if enough else None,
                mould_index=mould.get(home.home_id) if enough else None,
            )
        )
    return rows
