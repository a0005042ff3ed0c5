"""One assessment cycle: read new hours (and a rewind window for late readings), compute
indicators, apply the rules to alerts, write the series, keep the state."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.assessment.config import DEFAULT_CONFIG, AssessmentConfig
from dampwatch.assessment.devices import without_faulty
from dampwatch.assessment.frame import RoomFrame, hour_index, hour_start
from dampwatch.assessment.indicators import MouldGrid, RoomIndicators, assess_rooms
from dampwatch.assessment.kinds import AlertKind, Finding
from dampwatch.assessment.rules import KindVerdicts, room_finding, room_verdicts
from dampwatch.influx import InfluxQL, LineWriter
from dampwatch_api.alerts.models import RoomAssessmentState
from dampwatch_api.alerts.raising import AlertKey, open_alerts
from dampwatch_api.assess.alerting import apply_grid
from dampwatch_api.assess.devicecycle import assess_devices, check_devices
from dampwatch_api.assess.publish import export_alert_events, home_risk_lines, risk_lines
from dampwatch_api.assess.registry import read_registry
from dampwatch_api.assess.rooms import build_rooms
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_api.assess.state import FLAG_HOURS, RoomHistory, save_states, updated
from dampwatch_api.assess.window import HourlyCache, read_window

log = logging.getLogger(__name__)
WRITE_BATCH_LINES = 5000


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
    seconds: float = 0.0


def _write(writer: LineWriter, lines: list[str]) -> int:
    for start in range(0, len(lines), WRITE_BATCH_LINES):
        writer.write(lines[start : start + WRITE_BATCH_LINES])
    return len(lines)


@dataclass(frozen=True)
class _RoomFindings:
    """Builds the finding of a raising room-hour of one kind, on demand."""

    kind: AlertKind
    frame: RoomFrame
    ind: RoomIndicators
    grid: KindVerdicts
    config: AssessmentConfig

    def __call__(self, row: int, col: int) -> Finding:
        return room_finding(
            self.kind, self.frame, self.ind, self.grid, row=row, col=col, config=self.config
        )


def cycle_window(
    states: list[RoomAssessmentState], end_hour: int, settings: AssessSettings
) -> tuple[int, int]:
    """(first hour to read, first new hour): the rewind window before the new hours."""
    backfill_start = end_hour - settings.assess_backfill_days * 24
    last = max((hour_index(state.last_hour) for state in states), default=None)
    if last is None:
        return backfill_start, backfill_start
    return max(last + 1 - settings.assess_rewind_hours, backfill_start), max(
        last + 1, backfill_start
    )


def run_cycle(
    session: Session,
    influx: InfluxQL,
    writer: LineWriter,
    settings: AssessSettings,
    *,
    config: AssessmentConfig = DEFAULT_CONFIG,
    now: datetime | None = None,
    cache: HourlyCache | None = None,
) -> CycleReport:
    """Assess every complete hour since the last cycle; the caller commits the session.

    `cache` keeps the hourly aggregates between the cycles of one process, so a cycle reads
    only new hours and the rewind hours that changed (dampwatch_api.assess.window).
    """
    started = time.monotonic()
    moment = now or datetime.now(UTC)
    end_hour = hour_index(moment)  # the current hour is still incomplete
    states = {(s.home_id, s.room): s for s in session.scalars(select(RoomAssessmentState))}
    first, first_new = cycle_window(list(states.values()), end_hour, settings)
    report = CycleReport(hour_start(first), hour_start(end_hour))
    if first_new >= end_hour:
        return report
    facts = read_registry(session)
    known = [(f.home_id, f.device_id, f.room) for f in facts.devices.values()]
    window = read_window(
        influx,
        cache if cache is not None else HourlyCache(),
        first_hour=first,
        first_new=first_new,
        end_hour=end_hour,
        known=known,
        hours_per_query=settings.assess_query_hours,
        workers=settings.assess_query_workers,
        compared_from=end_hour - settings.assess_rewind_hours,
    )
    readings = window.readings
    report.read_from, report.late_hours = hour_start(window.read_from), len(window.late_hours)
    devices = check_devices(session, readings, facts, config)
    trusted = replace(readings, frame=without_faulty(readings.frame, devices.health, config))
    rooms = build_rooms(trusted, states.keys(), facts, settings.assess_outdoor_home)
    # Hours before the first one read again from InfluxDB have the inputs they had last cycle,
    # so their results stand; rooms start there unless a room is new (it gets the whole window).
    known_rooms = all(key in states for key in zip(rooms.homes, rooms.rooms, strict=True))
    first = window.read_from if known_rooms else first
    changed = window.changed if known_rooms else None
    rooms = rooms.hours_from(first)
    open_keys: set[AlertKey] = {
        (a.home_id, a.room, a.kind, a.subject) for a in open_alerts(session)
    }
    snapshots = settings.assess_rewind_hours + 1
    new_col = first_new - first
    lines: list[str] = []
    room_scores: dict[str, float] = {}
    room_inserts: list[dict[str, Any]] = []
    room_updates: list[dict[str, Any]] = []
    for chunk_start in range(0, len(rooms.rooms), settings.assess_chunk_rooms):
        part = rooms.take(slice(chunk_start, chunk_start + settings.assess_chunk_rooms))
        count = len(part.rooms)
        history = np.zeros((count, FLAG_HOURS), np.uint16)
        start = MouldGrid.zeros(count)
        snapshots_before: list[tuple[np.ndarray, np.ndarray]] = []
        for row, key in enumerate(zip(part.homes, part.rooms, strict=True)):
            if (state := states.get(key)) is None:
                snapshots_before.append((np.zeros(1), np.zeros(1, np.int64)))
                continue
            back = hour_index(state.last_hour) - (first - 1)
            unpacked = RoomHistory.unpack(state.history)
            flags, index, dry = unpacked.before(back)
            history[row], start.index[row], start.dry_hours[row] = flags, index, dry
            snapshots_before.append(unpacked.snapshots_before(back))
        ind = assess_rooms(part, history, start, config)
        vulnerable = np.array([bool(facts.vulnerabilities.get(h)) for h in part.homes])
        verdicts = room_verdicts(part, ind, vulnerable, config)
        keys_by_kind = {
            kind: [(h, r, kind.value, "") for h, r in zip(part.homes, part.rooms, strict=True)]
            for kind in verdicts
        }
        for kind, grid in verdicts.items():
            opened, cleared = apply_grid(
                session,
                kind=kind,
                verdicts=grid,
                keys=keys_by_kind[kind],
                open_keys=open_keys,
                first_new_col=new_col,
                start_hour=first,
                finding=_RoomFindings(kind, part, ind, grid, config),
                config=config,
                now=moment,
            )
            report.alerts_opened += opened
            report.alerts_cleared += cleared
        # Rewind hours are written again only for homes whose readings changed.
        rewrite = np.array([changed is None or home in changed for home in part.homes])
        lines.extend(risk_lines(part, ind, np.where(rewrite, 0, new_col)))
        for row, home in enumerate(part.homes):
            room_scores[home] = max(room_scores.get(home, 0.0), float(ind.score[row, -1]))
            key = (home, part.rooms[row])
            state = states.get(key)
            new_state = updated(
                history[row],
                ind.flags[row],
                mould_index=ind.mould_index[row],
                dry_hours=ind.mould_dry_hours[row],
                start_index=snapshots_before[row][0],
                start_dry=snapshots_before[row][1],
                snapshots=snapshots,
            )
            (room_updates if state is not None else room_inserts).append(
                {
                    "home_id": home,
                    "room": part.rooms[row],
                    "last_hour": hour_start(end_hour - 1),
                    "mould_index": float(ind.mould_index[row, -1]),
                    "mould_dry_hours": int(ind.mould_dry_hours[row, -1]),
                    "history": new_state.pack(),
                    "updated_at": moment,
                }
            )
    save_states(session, RoomAssessmentState, room_inserts, room_updates)
    device_lines, device_opened, device_cleared = assess_devices(
        session, readings, devices, open_keys, first_new=first_new, config=config, now=moment
    )
    lines.extend(device_lines)
    report.alerts_opened += device_opened
    report.alerts_cleared += device_cleared
    session.flush()
    homes = set(rooms.homes) | set(readings.frame.homes)
    lines.extend(
        home_risk_lines(session, homes, room_scores, facts=facts, hour=end_hour - 1, now=moment)
    )
    report.points_written = _write(writer, lines)
    report.points_written += export_alert_events(session, writer)
    report.rooms, report.devices = len(rooms.rooms), len(readings.frame.devices)
    report.new_hours = end_hour - first_new
    report.seconds = time.monotonic() - started
    return report
