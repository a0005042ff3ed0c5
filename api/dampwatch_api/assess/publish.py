"""Build the series points of a cycle and export alert lifecycle changes to InfluxDB."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from dampwatch.assessment.flags import HourFlag
from dampwatch.assessment.frame import RoomFrame
from dampwatch.assessment.indicators import RoomIndicators
from dampwatch.influx import LineWriter
from dampwatch_api.alerts.board import home_rows
from dampwatch_api.alerts.raising import open_alerts, unexported_events
from dampwatch_api.assess.export import alert_line, home_risk_line, risk_line
from dampwatch_api.assess.registry import RegistryFacts

RISK_COUNTS = (
    "hours_rh70_7d",
    "hours_rh70_30d",
    "hours_surface80_7d",
    "hours_surface80_30d",
    "hours_below_dew_point_7d",
    "hours_below_18c_7d",
    "hours_below_16c_7d",
    "hours_co2_1500_7d",
)
ROOM_WEIGHT_WITHOUT_ALERT = 0.5  # a home with no alert still ranks by its worst room, halved


def risk_lines(
    frame: RoomFrame, ind: RoomIndicators, first_col: npt.NDArray[np.int64] | None = None
) -> list[str]:
    """`risk` points for every room-hour with data (from `first_col` of each row, if given)."""
    lines: list[str] = []
    rows, cols = np.nonzero(ind.flags & np.uint16(HourFlag.DATA))
    if first_col is not None:
        keep = cols >= first_col[rows]
        rows, cols = rows[keep], cols[keep]
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        values = {
            "mould_index": round(float(ind.mould_index[row, col]), 4),
            "surface_temperature_c": round(float(ind.surface_temperature_c[row, col]), 2),
            "surface_rh_pct": round(float(ind.surface_rh_pct[row, col]), 2),
            "overheating_night_pct": round(float(ind.overheating_night_pct[row, col]), 2),
            "score": float(ind.score[row, col]),
        }
        values.update({name: float(ind.counts[name][row, col]) for name in RISK_COUNTS})
        line = risk_line(frame.homes[row], frame.rooms[row], values, frame.start_hour + col)
        if line is not None:
            lines.append(line)
    return lines


def home_risk_lines(
    session: Session,
    homes: Iterable[str],
    room_scores: Mapping[str, float],
    *,
    facts: RegistryFacts,
    hour: int,
    now: datetime,
) -> list[str]:
    """One `home_risk` point per home at the last processed hour."""
    wanted = set(homes)
    rows = {row.home_id: row for row in home_rows(open_alerts(session), facts.vulnerabilities, now)}
    lines = []
    for home in sorted(wanted | set(rows)):
        row = rows.get(home)
        own = ROOM_WEIGHT_WITHOUT_ALERT * room_scores.get(home, 0.0)
        score = max(row.score if row else 0.0, own)
        lines.append(
            home_risk_line(
                home,
                score=score,
                open_alerts=row.open_alerts if row else 0,
                overdue=row.overdue_alerts if row else 0,
                kinds=row.kinds if row else [],
                hour=hour,
            )
        )
    return lines


def export_alert_events(session: Session, writer: LineWriter) -> int:
    """Write not-yet-exported lifecycle changes as `alert` points and mark them exported."""
    events = unexported_events(session)
    lines = []
    for sequence, event in enumerate(events):
        alert = event.alert
        text = str((alert.evidence or {}).get("text", ""))
        if event.action in ("resolved", "cleared"):
            text = f"resolved: {event.detail.get('reason', '')}"
        elif event.action not in ("opened", "escalated"):
            text = f"{event.action} by {event.actor}"
        lines.append(
            alert_line(
                home=alert.home_id,
                room=alert.room,
                kind=alert.kind,
                severity=alert.severity,
                alert_id=alert.id,
                status=event.status,
                text=text,
                at=event.at,
                sequence=sequence % 1000,
            )
        )
    if lines:
        writer.write(lines)
        for event in events:
            event.exported = True
        session.flush()
    return len(lines)
