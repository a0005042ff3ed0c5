"""The alerts step of a cycle: verdict grids become alert changes, hour by hour, with hold-off."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from dampwatch.assessment.config import AssessmentConfig
from dampwatch.assessment.device_evidence import DEVICE_SEVERITY, device_evidence
from dampwatch.assessment.devices import DeviceHealth, DeviceStart
from dampwatch.assessment.frame import DeviceFrame, hour_start
from dampwatch.assessment.kinds import AlertKind, AlertStatus, Finding
from dampwatch.assessment.rules import RAISE, VERDICTS, KindVerdicts, hour_end
from dampwatch_api.alerts.board import BoardRow, home_rows, open_alert_lines
from dampwatch_api.alerts.raising import AlertKey, apply_verdict, open_alerts
from dampwatch_api.assess.judge import JudgedRooms


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


@dataclass
class CycleAlerts:
    """A cycle's alert changes: the open alerts it started with, what it opened and cleared."""

    session: Session
    config: AssessmentConfig
    now: datetime
    open_keys: set[AlertKey] = field(default_factory=set)
    opened: int = 0
    cleared: int = 0
    home_ids: Collection[str] | None = None  # the cycle's homes; None: every home

    @classmethod
    def start(
        cls,
        session: Session,
        config: AssessmentConfig,
        now: datetime,
        home_ids: Collection[str] | None = None,
    ) -> CycleAlerts:
        """Begin from the alerts open now (of `home_ids` only, when given)."""
        open_now = open_alerts(session, home_ids)
        keys = {(a.home_id, a.room, a.kind, a.subject) for a in open_now}
        return cls(session, config, now, keys, home_ids=home_ids)

    def _apply(
        self,
        kind: AlertKind,
        verdicts: KindVerdicts,
        keys: list[AlertKey],
        *,
        first_new_col: int,
        start_hour: int,
        finding: Callable[[int, int], Finding],
    ) -> None:
        opened, cleared = apply_grid(
            self.session,
            kind=kind,
            verdicts=verdicts,
            keys=keys,
            open_keys=self.open_keys,
            first_new_col=first_new_col,
            start_hour=start_hour,
            finding=finding,
            config=self.config,
            now=self.now,
        )
        self.opened += opened
        self.cleared += cleared

    def apply_rooms(self, judged: JudgedRooms, first_new: int) -> None:
        """Raise, refresh or clear the rooms' hazard alerts from the new hours' verdicts."""
        frame = judged.frame
        for kind, verdicts in judged.verdicts.items():
            keys = [(home, room, kind.value, "") for home, room in judged.room_keys()]

            def finding(row: int, col: int, kind: AlertKind = kind) -> Finding:
                return judged.finding(kind, row, col)

            self._apply(
                kind,
                verdicts,
                keys,
                first_new_col=first_new - frame.start_hour,
                start_hour=frame.start_hour,
                finding=finding,
            )

    def apply_devices(
        self,
        frame: DeviceFrame,
        health: DeviceHealth,
        start: DeviceStart,
        first_new: int,
        room_names: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        """Raise, refresh or clear the device alerts (one per device and kind)."""
        names = room_names or {}
        first = frame.start_hour
        for kind, verdicts in health.verdicts.items():
            keys = [
                (home, room, kind.value, device)
                for home, room, device in zip(frame.homes, frame.rooms, frame.devices, strict=True)
            ]

            def finding(row: int, col: int, kind: AlertKind = kind) -> Finding:
                return Finding(
                    home_id=frame.homes[row],
                    room=frame.rooms[row],
                    kind=kind,
                    severity=DEVICE_SEVERITY[kind],
                    evidence=device_evidence(
                        kind,
                        frame,
                        health,
                        start,
                        row=row,
                        col=col,
                        room_name=names.get((frame.homes[row], frame.rooms[row]), ""),
                    ),
                    condition_since=hour_start(first + col),
                    subject=frame.devices[row],
                )

            self._apply(
                kind,
                verdicts,
                keys,
                first_new_col=first_new - first,
                start_hour=first,
                finding=finding,
            )

    def home_rows(self, vulnerabilities: Mapping[str, list[str]]) -> dict[str, BoardRow]:
        """Each home with open alerts after the changes, as the board ranks it."""
        self.session.flush()
        lines = open_alert_lines(self.session, self.home_ids)
        rows = home_rows(lines, vulnerabilities, self.now)
        return {row.home_id: row for row in rows}
