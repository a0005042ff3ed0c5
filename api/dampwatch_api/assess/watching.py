"""The cycle's early warning: every few hours, each room's next week projected, watches kept.

The last week of hourly readings is read again (the cycle itself reads only new hours), the
rooms' flags and mould state come from the memory the cycle has just saved, and the projection
runs the core's pure outlook (the alert rules over continued hours). A sensor with an open
sensor-fault alert is left out, as the cycle leaves its readings out of the rooms.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.assessment.config import HOURS_7D, AssessmentConfig
from dampwatch.assessment.frame import FloatArray, RoomFrame, hour_index
from dampwatch.assessment.indicators import MouldGrid
from dampwatch.assessment.outlook import HORIZON_H, WATCH_KINDS, Outlook, outlook_words, project
from dampwatch.climate import monthly_outdoor_c
from dampwatch.influx import InfluxQL
from dampwatch_api.alerts.models import RoomAssessmentState
from dampwatch_api.assess.devices import without_open_faults
from dampwatch_api.assess.reader import read_hourly
from dampwatch_api.assess.registry import RegistryFacts
from dampwatch_api.assess.rooms import build_rooms, in_scope
from dampwatch_api.assess.scope import ALL_HOMES, HomeScope
from dampwatch_api.assess.series import risk_line
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_api.assess.state import FLAG_HOURS, RoomHistory
from dampwatch_api.assess.weather import feed_outdoor_c
from dampwatch_api.watches.service import Projected, WatchChanges, apply_projection, open_watches


@dataclass
class WatchPass:
    """What one early-warning pass did, and its `risk` lines (the `watch` fields)."""

    rooms: int = 0
    changes: WatchChanges = field(default_factory=WatchChanges)
    lines: list[str] = field(default_factory=list)


def watch_due(first_new: int, end_hour: int, every_hours: int, offset: int = 0) -> bool:
    """True when the cycle's new hours end on (or pass) a multiple of `every_hours`.

    `offset` (a partition's number) shifts the hours, so partitions take turns.
    """
    if every_hours <= 0:
        return False
    return (end_hour + offset) // every_hours > (first_new + offset) // every_hours


def _memory(
    session: Session, frame: RoomFrame, end_hour: int, scope: HomeScope
) -> tuple[list[int], np.ndarray, MouldGrid]:
    """Rows with a saved state, their flags up to the last hour, and their mould state then."""
    query = (
        select(RoomAssessmentState)
        .where(scope.where(RoomAssessmentState.home_id))
        .execution_options(populate_existing=True)
    )
    states = {(s.home_id, s.room): s for s in session.scalars(query)}
    rows, flags, index, dry = [], [], [], []
    for row, key in enumerate(zip(frame.homes, frame.rooms, strict=True)):
        state = states.get(key)
        if state is None:
            continue
        back = hour_index(state.last_hour) - (end_hour - 1)
        history, mould, dry_hours = RoomHistory.unpack(state.history).before(back)
        rows.append(row)
        flags.append(history)
        index.append(mould)
        dry.append(dry_hours)
    grid = np.array(flags, np.uint16).reshape(len(rows), FLAG_HOURS)
    return rows, grid, MouldGrid(np.array(index, np.float64), np.array(dry, np.int64))


def _projected(frame: RoomFrame, outlook: Outlook) -> list[Projected]:
    found = []
    for row, (home, room) in enumerate(zip(frame.homes, frame.rooms, strict=True)):
        for kind in WATCH_KINDS:
            projected = outlook.kinds[kind]
            hours = float(projected.expected_hours[row])
            found.append(
                Projected(
                    home_id=home,
                    room=room,
                    kind=kind.value,
                    share=float(projected.share[row]),
                    hours_to_rule=None if np.isnan(hours) else hours,
                    words=outlook_words(room, kind, outlook, row),
                )
            )
    return found


RoomKey = tuple[str, str]


def projected_indicators(frame: RoomFrame, outlook: Outlook) -> dict[RoomKey, dict[str, float]]:
    """Per room, the indicators the rules use at their highest in the week ahead (median over
    the scenarios), as `risk` fields."""
    return {
        (home, room): {
            "projected_mould_index": round(float(outlook.mould_index[row]), 3),
            "projected_damp_run_days": float(outlook.damp_run_days[row]),
            "projected_surface80_hours": float(outlook.surface80_hours[row]),
            "projected_cold_days": float(outlook.cold_days[row]),
        }
        for row, (home, room) in enumerate(zip(frame.homes, frame.rooms, strict=True))
    }


def watch_lines(
    session: Session,
    projected: Sequence[Projected],
    hour: int,
    indicators: dict[RoomKey, dict[str, float]] | None = None,
    home_ids: Collection[str] | None = None,
) -> list[str]:
    """`watch` (kinds watched), `watch_share` (highest share) and the projected indicators on
    each room's `risk` point."""
    watched: dict[tuple[str, str], int] = {}
    for home, room, _kind in open_watches(session, home_ids):
        watched[home, room] = watched.get((home, room), 0) + 1
    share: dict[tuple[str, str], float] = {}
    for item in projected:
        key = (item.home_id, item.room)
        share[key] = max(share.get(key, 0.0), item.share)
    lines = []
    for (home, room), highest in sorted(share.items()):
        values = {"watch": float(watched.get((home, room), 0)), "watch_share": round(highest, 3)}
        values.update((indicators or {}).get((home, room), {}))
        line = risk_line(home, room, values, hour)
        if line is not None:
            lines.append(line)
    return lines


def run_watch_pass(
    session: Session,
    influx: InfluxQL,
    settings: AssessSettings,
    facts: RegistryFacts,
    *,
    end_hour: int,
    now: datetime,
    config: AssessmentConfig,
    scope: HomeScope = ALL_HOMES,
) -> WatchPass:
    """Project every room of the scope with a saved state from its last week; keep watches."""
    known = [(f.home_id, f.device_id, f.room) for f in facts.devices.values()]
    read = read_hourly(
        influx,
        end_hour - HOURS_7D,
        end_hour,
        known,
        settings.assess_query_hours,
        workers=settings.assess_query_workers,
        series_filter=scope.series_filter(),
        max_points=settings.assess_query_points,
    )
    readings, shared = in_scope(
        without_open_faults(session, read), scope, settings.assess_outdoor_home
    )
    # The walls follow the same outdoor temperature as the hourly judgement; the week ahead
    # takes the feed's forecast where it has one (Open-Meteo's forecast answers future hours).
    feed = feed_outdoor_c(settings.assess_weather_source, end_hour - HOURS_7D, HOURS_7D + HORIZON_H)
    frame = build_rooms(
        readings,
        [],
        facts,
        settings.assess_outdoor_home,
        weather_c=None if feed is None else feed[:HOURS_7D],
        climate_region=settings.assess_climate_region,
        shared=shared,
    )
    ahead = forecast_ahead(feed, end_hour, settings.assess_climate_region)
    rows, history, mould = _memory(session, frame, end_hour, scope)
    projected: list[Projected] = []
    indicators: dict[RoomKey, dict[str, float]] = {}
    step = settings.assess_chunk_rooms
    for chunk in range(0, len(rows), step):
        part_rows = np.array(rows[chunk : chunk + step], np.int64)
        part = _rows(frame, part_rows)
        vulnerable = np.array([bool(facts.vulnerabilities.get(home)) for home in part.homes])
        outlook = project(
            part,
            history[chunk : chunk + step],
            MouldGrid(mould.index[chunk : chunk + step], mould.dry_hours[chunk : chunk + step]),
            vulnerable,
            config,
            outdoor_c=None if ahead is None else np.tile(ahead, (len(part.rooms), 1)),
        )
        projected.extend(_projected(part, outlook))
        indicators.update(projected_indicators(part, outlook))
    result = WatchPass(rooms=len(rows))
    result.changes = apply_projection(
        session,
        projected,
        now=now,
        min_share=settings.watch_min_share,
        clear_after=timedelta(hours=settings.watch_clear_hours),
        home_ids=scope.home_ids,
    )
    result.lines = watch_lines(session, projected, end_hour - 1, indicators, scope.home_ids)
    return result


def _rows(frame: RoomFrame, rows: np.ndarray) -> RoomFrame:
    """The rooms at `rows` (in that order)."""
    shared = None if frame.outdoor_shared is None else frame.outdoor_shared[rows]
    return RoomFrame(
        [frame.homes[r] for r in rows],
        [frame.rooms[r] for r in rows],
        frame.bedroom[rows],
        frame.cold_judged[rows],
        frame.start_hour,
        frame.temperature_c[rows],
        frame.humidity_pct[rows],
        frame.probe_c[rows],
        frame.co2_ppm[rows],
        frame.outdoor_c[rows],
        shared,
    )


def forecast_ahead(
    feed: FloatArray | None, end_hour: int, climate_region: str | None
) -> FloatArray | None:
    """The outdoor temperature of the next HORIZON_H hours from the feed's forecast, its gaps
    filled with the region's climate; None without a forecast (the recent hours are repeated)."""
    if feed is None or not np.isfinite(feed[HOURS_7D:]).any():
        return None
    ahead = feed[HOURS_7D:].copy()
    missing = ~np.isfinite(ahead)
    if missing.any() and climate_region:
        ahead[missing] = monthly_outdoor_c(end_hour, HORIZON_H, climate_region)[missing]
    return ahead if np.isfinite(ahead).all() else None
