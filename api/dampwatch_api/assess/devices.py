"""The devices of a cycle: their memory, their health per device-hour, the memory they leave."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.assessment.config import HOURS_7D, AssessmentConfig
from dampwatch.assessment.devices import (
    DeviceHealth,
    DeviceStart,
    device_health,
    offline_allowance_h,
)
from dampwatch.assessment.drift import NO_NIGHTS_YET, DriftState
from dampwatch.assessment.frame import DeviceFrame, hour_index, hour_start
from dampwatch.assessment.kinds import AlertKind
from dampwatch_api.alerts.models import Alert, DeviceAssessmentState
from dampwatch_api.assess.reader import HourlyReadings
from dampwatch_api.assess.registry import RegistryFacts
from dampwatch_api.assess.scope import ALL_HOMES, HomeScope
from dampwatch_api.assess.state import StateRows


@dataclass
class DeviceCheck:
    """Device health over a cycle's window, with what was known before it."""

    frame: DeviceFrame
    health: DeviceHealth
    start: DeviceStart
    states: dict[tuple[str, str], DeviceAssessmentState]


def read_device_states(
    session: Session, scope: HomeScope = ALL_HOMES
) -> dict[tuple[str, str], DeviceAssessmentState]:
    """The state rows of the scope's devices, by (home, device)."""
    query = select(DeviceAssessmentState).where(scope.where(DeviceAssessmentState.home_id))
    return {(s.home_id, s.device_id): s for s in session.scalars(query)}


def judge_devices(
    readings: HourlyReadings,
    facts: RegistryFacts,
    states: dict[tuple[str, str], DeviceAssessmentState],
    config: AssessmentConfig,
) -> DeviceCheck:
    """Health of every device-hour of the window (before rooms are judged on their data)."""
    frame = readings.frame
    first = frame.start_hour
    count = len(frame.devices)
    start = DeviceStart.unknown(count, config.battery_offline_after_h)
    gaps_before = np.zeros(count)
    for row, key in enumerate(zip(frame.homes, frame.devices, strict=True)):
        registered = facts.devices.get(key)
        if registered is not None:
            start.offline_after_h[row] = offline_allowance_h(
                registered.expected_interval_s, registered.battery_powered, config
            )
        state = states.get(key)
        if state is None:
            continue
        if state.battery_pct is not None:
            start.battery_pct[row] = state.battery_pct
        if state.last_seen_at is not None and hour_index(state.last_seen_at) - 1 < first:
            start.last_seen_hour[row] = hour_index(state.last_seen_at) - 1
            start.last_seq[row] = np.nan if state.last_seq is None else state.last_seq
        gaps_before[row] = sum(
            gaps for hour, gaps in state.seq_gaps.items() if first - HOURS_7D <= int(hour) < first
        )
    start.drift = drift_state_of(
        [states.get(key) for key in zip(frame.homes, frame.devices, strict=True)]
    )
    return DeviceCheck(frame, device_health(frame, start, gaps_before, config), start, states)


def drift_state_of(states: list[DeviceAssessmentState | None]) -> DriftState:
    """The remembered humidity drift state of these devices, on one row each."""
    saved = [(state.humidity_drift or {}) if state is not None else {} for state in states]
    drift = DriftState.unknown(len(states))
    firsts = [int(entry["first_night"]) for entry in saved if entry.get("nights")]
    if not firsts:
        return drift
    first = min(firsts)
    width = max(int(e["first_night"]) + len(e["nights"]) for e in saved if e.get("nights")) - first
    drift.first_night, drift.nights = first, np.full((len(states), width), np.nan)
    drift.temps = drift.nights.copy()
    for row, entry in enumerate(saved):
        if entry.get("nights"):
            offset = int(entry["first_night"]) - first
            values = [np.nan if value is None else float(value) for value in entry["nights"]]
            drift.nights[row, offset : offset + len(values)] = values
            # Entries written before night temperatures were kept have none.
            temps = [np.nan if value is None else float(value) for value in entry.get("temps", [])]
            drift.temps[row, offset : offset + len(temps)] = temps[: len(values)]
        if entry.get("since") is not None:
            drift.since[row] = float(entry["since"])
            drift.baseline_hpa[row] = float(entry["baseline_hpa"])
    return drift


def drift_entry(drift: DriftState, row: int) -> dict[str, Any] | None:
    """One device's humidity drift state as JSON."""
    values = drift.nights[row]
    known = np.flatnonzero(np.isfinite(values))
    active = bool(np.isfinite(drift.since[row]))
    if drift.first_night == NO_NIGHTS_YET or (not known.size and not active):
        return None
    nights = values[known[0] :] if known.size else values[:0]
    temps = drift.temps[row][known[0] :] if known.size else values[:0]
    return {
        "first_night": drift.first_night + (int(known[0]) if known.size else 0),
        "nights": [None if not np.isfinite(v) else round(float(v), 3) for v in nights],
        "temps": [None if not np.isfinite(v) else round(float(v), 2) for v in temps],
        "since": int(drift.since[row]) if active else None,
        "baseline_hpa": round(float(drift.baseline_hpa[row]), 3) if active else None,
    }


def device_state_rows(check: DeviceCheck, now: datetime) -> StateRows:
    """The devices' state rows after this cycle: (new devices to insert, known ones to update)."""
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for row, key in enumerate(zip(check.frame.homes, check.frame.devices, strict=True)):
        state = check.states.get(key)
        values = _new_state(state, frame=check.frame, health=check.health, row=row, now=now)
        (updates if state is not None else inserts).append(values)
    return inserts, updates


def _new_state(
    state: DeviceAssessmentState | None,
    *,
    frame: DeviceFrame,
    health: DeviceHealth,
    row: int,
    now: datetime,
) -> dict[str, Any]:
    """The device's state row after this cycle, from the one before it (None: a new device)."""
    last_seen_at = state.last_seen_at if state is not None else None
    last_seq = state.last_seq if state is not None else None
    seen = np.flatnonzero(frame.count[row] > 0)
    if seen.size:
        last_seen_at = hour_start(frame.start_hour + int(seen[-1]) + 1)
        seqs = frame.seq_max[row][np.isfinite(frame.seq_max[row])]
        last_seq = int(seqs[-1]) if seqs.size else last_seq
    battery = float(health.battery_pct[row, -1])
    before = state.battery_pct if state is not None else None
    end = frame.start_hour + frame.hours
    kept = {
        hour: gaps
        for hour, gaps in ((state.seq_gaps or {}) if state is not None else {}).items()
        if end - HOURS_7D <= int(hour) < frame.start_hour
    }
    for col in np.flatnonzero(health.seq_gaps[row] > 0):
        kept[str(frame.start_hour + int(col))] = int(health.seq_gaps[row, col])
    return {
        "home_id": frame.homes[row],
        "device_id": frame.devices[row],
        "room": frame.rooms[row],
        "last_seen_at": last_seen_at,
        "last_seq": last_seq,
        "battery_pct": battery if np.isfinite(battery) else before,
        "seq_gaps": kept,
        "humidity_drift": drift_entry(health.drift_state, row),
        "updated_at": now,
    }


def without_open_faults(session: Session, readings: HourlyReadings) -> HourlyReadings:
    """The readings with every sensor under an open sensor-fault alert blanked."""
    query = select(Alert.home_id, Alert.subject).where(
        Alert.kind == AlertKind.SENSOR_FAULT.value, Alert.status != "resolved"
    )
    faulty = {(home, subject) for home, subject in session.execute(query)}
    frame = readings.frame
    rows = [
        r for r, key in enumerate(zip(frame.homes, frame.devices, strict=True)) if key in faulty
    ]
    if not rows:
        return readings
    temperature, humidity = frame.temperature_c.copy(), frame.humidity_pct.copy()
    temperature[rows], humidity[rows] = np.nan, np.nan
    return replace(readings, frame=replace(frame, temperature_c=temperature, humidity_pct=humidity))
