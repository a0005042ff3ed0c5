"""Turn verdict grids into alert changes through the alert service, hour by hour."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from dampwatch.assessment.config import AssessmentConfig
from dampwatch.assessment.kinds import AlertKind, AlertStatus, Finding
from dampwatch.assessment.rules import RAISE, VERDICTS, KindVerdicts, hour_end
from dampwatch_api.alerts.raising import AlertKey, apply_verdict


def hold_off(kind: AlertKind, config: AssessmentConfig) -> timedelta:
    """How long the clear condition must hold before an alert of `kind` clears."""
    hours = {
        AlertKind.DEVICE_OFFLINE: config.hold_off_device_h,
        AlertKind.BATTERY_LOW: config.hold_off_battery_h,
        AlertKind.SENSOR_FAULT: config.hold_off_fault_h,
    }.get(kind, config.hold_off_hazard_h)
    return timedelta(hours=hours)


def apply_grid(
    session: Session,
    *,
    kind: AlertKind,
    verdicts: KindVerdicts,
    keys: list[AlertKey],
    open_keys: set[AlertKey],
    first_new_col: int,
    start_hour: int,
    finding: Callable[[int, int], Finding],
    config: AssessmentConfig,
    now: datetime,
) -> tuple[int, int]:
    """Apply the new hours' verdicts of every row that raises or has an open alert.

    Returns (alerts opened, alerts cleared). A run of raising hours with the same severity
    is applied at its first and last hour only: the hours between change nothing.
    """
    grid, severity = verdicts.verdict, verdicts.severity
    hours = grid.shape[1]
    if first_new_col >= hours:
        return 0, 0
    raising = (grid[:, first_new_col:] == RAISE).any(axis=1)
    rows = [row for row in range(len(keys)) if raising[row] or keys[row] in open_keys]
    opened = cleared = 0
    wait = hold_off(kind, config)
    for row in rows:
        key = keys[row]
        for col in range(first_new_col, hours):
            value = int(grid[row, col])
            if value == RAISE:
                last = col == hours - 1
                same_next = (
                    not last
                    and grid[row, col + 1] == RAISE
                    and severity[row, col + 1] == severity[row, col]
                )
                same_prev = (
                    col > first_new_col
                    and grid[row, col - 1] == RAISE
                    and severity[row, col - 1] == severity[row, col]
                )
                if same_next and same_prev:
                    continue
                was_open = key in open_keys
                apply_verdict(
                    session,
                    key,
                    VERDICTS[value],
                    hour_end(start_hour, col),
                    wait,
                    finding=finding(row, col),
                    now=now,
                )
                open_keys.add(key)
                opened += not was_open
            elif key in open_keys:
                alert = apply_verdict(
                    session, key, VERDICTS[value], hour_end(start_hour, col), wait, now=now
                )
                if alert is not None and alert.status == AlertStatus.RESOLVED.value:
                    open_keys.discard(key)
                    cleared += 1
    return opened, cleared
