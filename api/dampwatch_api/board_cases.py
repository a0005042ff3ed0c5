"""What the board reads of casework: each home's next statutory duty, and open cases whose
flags have all cleared (the landlord's duties go on, so the home stays in the queue).

The casework tables are read by name: casework builds on the alerts and the board's cache.

"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy import CompoundSelect, Select, column, select, table
from sqlalchemy.orm import Session

from dampwatch.casework.scope import case_reference
from dampwatch_api.alerts.board import AlertLine, BoardRow, home_rows
from dampwatch_api.alerts.models import Alert
from dampwatch_api.db.base import UtcDateTime

OPEN: Final = "open"
CASES = table(
    "cases",
    column("id"),
    column("home_id"),
    column("status"),
    column("assigned_to"),
    column("updated_at", UtcDateTime()),
)
CASE_ALERTS = table("case_alerts", column("case_id"), column("alert_id"))
CASE_DUTIES = table(
    "case_duties",
    column("case_id"),
    column("duty"),
    column("status"),
    column("due_by", UtcDateTime()),
    column("updated_at", UtcDateTime()),
)


def open_case_homes() -> Select[Any]:
    """The home ids with an open case."""
    return select(CASES.c.home_id).where(CASES.c.status == OPEN)


def next_duties(
    session: Session, home_ids: Select[Any] | CompoundSelect[Any]
) -> dict[str, tuple[int, str, datetime]]:
    """Each home's open duty with the earliest deadline, over its open cases."""
    rows = session.execute(
        select(CASES.c.home_id, CASES.c.id, CASE_DUTIES.c.duty, CASE_DUTIES.c.due_by)
        .join(CASE_DUTIES, CASE_DUTIES.c.case_id == CASES.c.id)
        .where(
            CASES.c.status == OPEN,
            CASE_DUTIES.c.status.in_(("due", "overdue")),
            CASE_DUTIES.c.due_by.is_not(None),
            CASES.c.home_id.in_(home_ids),
        )
    ).all()
    found: dict[str, tuple[int, str, datetime]] = {}
    for home_id, case_id, duty, due_by in rows:
        if home_id not in found or due_by < found[home_id][2]:
            found[home_id] = (case_id, duty, due_by)
    return found


def cleared_case_rows(
    session: Session,
    skip: Collection[str],
    vulnerability: Mapping[str, Collection[str]],
    now: datetime,
    only: Collection[str] | None = None,
) -> list[BoardRow]:
    """Board rows of homes with an open case and no open flag (of `only` these homes when
    given), ranked by the case's own flags."""
    query = (
        select(
            CASES.c.id,
            CASES.c.assigned_to,
            Alert.id,
            Alert.home_id,
            Alert.room,
            Alert.kind,
            Alert.severity,
            Alert.status,
            Alert.condition_since,
            Alert.evidence["text"].as_string(),
        )
        .join(CASE_ALERTS, CASE_ALERTS.c.case_id == CASES.c.id)
        .join(Alert, Alert.id == CASE_ALERTS.c.alert_id)
        .where(CASES.c.status == OPEN)
    )
    if only is not None:
        query = query.where(CASES.c.home_id.in_(list(only)))
    rows = session.execute(query).all()
    lines: list[AlertLine] = []
    cases: dict[str, set[tuple[int, str | None]]] = defaultdict(set)
    for (
        case_id,
        case_assignee,
        alert_id,
        home_id,
        room,
        kind,
        severity,
        status,
        since,
        text,
    ) in rows:
        if home_id in skip:
            continue
        cases[home_id].add((case_id, case_assignee))
        # Cleared flags never count as overdue or new: the case's duties carry the clock.
        line = AlertLine(alert_id, home_id, room, kind, severity, status, since)
        lines.append(line._replace(reason_text=text))
    ranked = home_rows(lines, vulnerability, now)
    return [_as_case_row(row, sorted(cases[row.home_id])) for row in ranked]


def _as_case_row(row: BoardRow, cases: list[tuple[int, str | None]]) -> BoardRow:
    references = ", ".join(case_reference(case_id) for case_id, _ in cases)
    said = f"Case {references} is open: its flags have cleared, its duties go on"
    return dataclasses.replace(
        row,
        open_alerts=0,
        overdue_alerts=0,
        unacknowledged=0,
        top_reasons=[said, *row.top_reasons][: len(row.top_reasons) + 1],
        assignees=sorted({name for _, name in cases if name} | set(row.assignees)),
    )
