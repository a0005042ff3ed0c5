"""One assessment cycle, as one pass: read → judge → alerts → lines out (and the memory kept).

Read: the cycle's window of hours (the new hours and the rewind hours whose readings changed),
the registry and what the last cycle kept. Judge: devices first (a faulty sensor's values leave
the rooms), then rooms chunk by chunk, with the core's pure models. Alerts: the verdicts of the
new hours raise, refresh or clear alerts. Lines out: `risk`, `device_health`, `home_risk` and
`alert` points to InfluxDB. The caller commits the SQL session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.assessment.config import DEFAULT_CONFIG, AssessmentConfig
from dampwatch.assessment.frame import hour_index, hour_start
from dampwatch.influx import InfluxQL, LineWriter
from dampwatch_api.alerts.models import DeviceAssessmentState, RoomAssessmentState
from dampwatch_api.alerts.raising import unexported_events
from dampwatch_api.assess.alerting import CycleAlerts
from dampwatch_api.assess.devices import (
    device_state_rows,
    judge_devices,
    read_device_states,
    without_open_faults,
)
from dampwatch_api.assess.judge import judge_rooms, worst_scores
from dampwatch_api.assess.lines_out import LinesOut
from dampwatch_api.assess.reader import only_homes
from dampwatch_api.assess.registry import read_registry
from dampwatch_api.assess.rooms import rooms_to_judge, shared_outdoor
from dampwatch_api.assess.scope import ALL_HOMES, HomeScope
from dampwatch_api.assess.series import (
    alert_event_lines,
    device_health_lines,
    home_risk_lines,
    risk_lines,
)
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_api.assess.state import save_states
from dampwatch_api.assess.watching import run_watch_pass, watch_due
from dampwatch_api.assess.weather import feed_outdoor_c
from dampwatch_api.assess.window import HourlyCache, read_window
from dampwatch_api.watches.service import link_alerts

# Room-hours judged in one chunk: each takes some 300 bytes of indicators while judged.
CHUNK_ROOM_HOURS = 1_000_000


@dataclass
class CycleReport:
    """What one cycle did."""

    first_hour: datetime | None = None
    end_hour: datetime | None = None  # exclusive
    new_hours: int = 0
    read_from: datetime | None = None  # first hour read from InfluxDB (the rest from memory)
    late_hours: int = 0  # rewind hours whose readings changed since they were last read
    rooms: int = 0
    devices: int = 0
    alerts_opened: int = 0
    alerts_cleared: int = 0
    points_written: int = 0
    watches_opened: int = 0
    watches_cleared: int = 0
    watches_linked: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class CycleWindow:
    """The epoch hours of a cycle: [first, end) judged, of which [first_new, end) are new."""

    first: int
    first_new: int
    end: int


def cycle_window(
    states: list[RoomAssessmentState], end_hour: int, settings: AssessSettings
) -> CycleWindow:
    """The rewind window before the new hours; the back-fill period when nothing is known."""
    backfill_start = end_hour - settings.assess_backfill_days * 24
    last = max((hour_index(state.last_hour) for state in states), default=None)
    if last is None:
        return CycleWindow(backfill_start, backfill_start, end_hour)
    first = max(last + 1 - settings.assess_rewind_hours, backfill_start)
    return CycleWindow(first, max(last + 1, backfill_start), end_hour)


def export_alert_events(session: Session, writer: LineWriter, scope: HomeScope = ALL_HOMES) -> int:
    """Write the lifecycle changes not yet in InfluxDB as `alert` points; mark them written."""
    events = unexported_events(session, home_ids=scope.home_ids)
    lines = alert_event_lines(events)
    if lines:
        writer.write(lines)
        for event in events:
            event.exported = True
        session.flush()
    return len(lines)


def run_cycle(
    session: Session,
    influx: InfluxQL,
    writer: LineWriter,
    settings: AssessSettings,
    *,
    config: AssessmentConfig = DEFAULT_CONFIG,
    now: datetime | None = None,
    cache: HourlyCache | None = None,
    scope: HomeScope = ALL_HOMES,
    progress: Callable[[], None] = lambda: None,
) -> CycleReport:
    """Assess every complete hour since the last cycle; the caller commits the session.

    `cache` keeps the hourly aggregates between the cycles of one process, so a cycle reads
    only new hours and the rewind hours that changed (dampwatch_api.assess.window); the cache
    belongs to one `scope` (all homes, or one partition of them: dampwatch_api.assess.scope).
    `progress` is called after each step (the worker's watchdog: dampwatch_api.assess.worker).
    """
    started = time.monotonic()
    moment = now or datetime.now(UTC)
    # Read: what the last cycle kept, the registry, the window's hourly readings.
    kept = select(RoomAssessmentState).where(scope.where(RoomAssessmentState.home_id))
    room_states = {(s.home_id, s.room): s for s in session.scalars(kept)}
    hours = cycle_window(list(room_states.values()), hour_index(moment), settings)
    report = CycleReport(hour_start(hours.first), hour_start(hours.end))
    if hours.first_new >= hours.end:
        return report
    facts = read_registry(session, scope)
    window = read_window(
        influx,
        cache if cache is not None else HourlyCache(),
        first_hour=hours.first,
        first_new=hours.first_new,
        end_hour=hours.end,
        known=[(f.home_id, f.device_id, f.room) for f in facts.devices.values()],
        hours_per_query=settings.assess_query_hours,
        workers=settings.assess_query_workers,
        compared_from=hours.end - settings.assess_rewind_hours,
        series_filter=scope.series_filter(),
        max_points=settings.assess_query_points,
    )
    progress()
    shared = None
    if scope.homes is not None:
        # A partition's read holds every home's outdoor sensors, for the stock's outdoor
        # temperature (a faulty one left out); only the partition's own homes are judged.
        outdoor = without_open_faults(session, window.readings)
        shared = shared_outdoor(outdoor, settings.assess_outdoor_home)
        window = replace(window, readings=only_homes(window.readings, scope.__contains__))
    # Judge the devices, then the rooms on the devices' trusted values, chunk by chunk.
    devices = judge_devices(window.readings, facts, read_device_states(session, scope), config)
    rooms = rooms_to_judge(
        window,
        devices,
        room_states.keys(),
        facts,
        first_hour=hours.first,
        outdoor_home=settings.assess_outdoor_home,
        config=config,
        weather_c=feed_outdoor_c(
            settings.assess_weather_source,
            window.readings.frame.start_hour,
            window.readings.frame.hours,
        ),
        climate_region=settings.assess_climate_region,
        shared=shared,
    )
    out = LinesOut(writer)  # points go out while the next rooms are judged
    try:
        alerts = CycleAlerts.start(session, config, moment, scope.home_ids)
        room_scores: dict[str, float] = {}
        # Rooms judged at once: fewer over a back-fill's many hours, so memory stays bounded.
        step = max(
            1, min(settings.assess_chunk_rooms, CHUNK_ROOM_HOURS // max(rooms.frame.hours, 1))
        )
        for chunk in range(0, len(rooms.frame.rooms), step):
            part = rooms.frame.take(slice(chunk, chunk + step))
            judged = judge_rooms(part, room_states, facts, config)
            alerts.apply_rooms(judged, hours.first_new)
            # Rewind hours are written again only for homes whose readings changed.
            rewrite = np.array([rooms.changed is None or h in rooms.changed for h in part.homes])
            out.send_each(
                risk_lines(judged, np.where(rewrite, 0, hours.first_new - part.start_hour))
            )
            worst_scores(judged, room_scores)
            rows = judged.state_rows(
                end_hour=hours.end, snapshots=settings.assess_rewind_hours + 1, now=moment
            )
            save_states(session, RoomAssessmentState, rows)
            progress()
        alerts.apply_devices(
            devices.frame, devices.health, devices.start, hours.first_new, facts.room_names
        )
        out.send_each(device_health_lines(devices.frame, devices.health, hours.first_new))
        save_states(session, DeviceAssessmentState, device_state_rows(devices, moment))
        # Lines out: the series, then each home's rank after this cycle's alert changes.
        judged_homes = set(rooms.frame.homes) | set(devices.frame.homes)
        home_rows = alerts.home_rows(facts.vulnerabilities)
        out.send(home_risk_lines(judged_homes, home_rows, room_scores, hour=hours.end - 1))
        # Early warning (assess/watching.py): watches linked to the alerts that came, every cycle;
        # rooms projected every `watch_every_hours`.
        report.watches_linked = link_alerts(session, home_ids=scope.home_ids)
        progress()
        if watch_due(hours.first_new, hours.end, settings.watch_every_hours, scope.partition):
            watching = run_watch_pass(
                session,
                influx,
                settings,
                facts,
                end_hour=hours.end,
                now=moment,
                config=config,
                scope=scope,
            )
            out.send(watching.lines)
            report.watches_opened = watching.changes.opened
            report.watches_cleared = watching.changes.cleared
            report.watches_linked += watching.changes.linked
        report.points_written = out.close()
    except BaseException:
        out.abandon()
        raise
    report.points_written += export_alert_events(session, writer, scope)
    report.alerts_opened, report.alerts_cleared = alerts.opened, alerts.cleared
    report.read_from, report.late_hours = hour_start(window.read_from), len(window.late_hours)
    report.rooms, report.devices = len(rooms.frame.rooms), len(devices.frame.devices)
    report.new_hours = hours.end - hours.first_new
    report.seconds = time.monotonic() - started
    return report
