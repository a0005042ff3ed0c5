"""The boards' SQL: alerts, cases and the registry, read live from the product's database.

Table and column names are those of the API's Alembic migrations (the SQL database is a meeting
point between deployables, like InfluxDB). Alert and case states come from core's enums, so a
state renamed there cannot leave a board filtering on the old name. PostgreSQL dialect, as
Grafana's PostgreSQL datasource reads it.
"""

from __future__ import annotations

from typing import Final

from dampwatch.assessment.kinds import AlertStatus
from dampwatch.casework.duties import DutyStatus
from dampwatch_grafana.sql import any_of, sql_literal

# The tables the boards read: the read-only role may select these and nothing else
# (deploy/postgres/grafana_reader.sql grants the columns listed here).
BOARD_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "homes": ("id", "home_id", "address", "postcode"),
    "rooms": ("home_pk", "room_id", "name"),
    "alerts": (
        "id",
        "home_id",
        "room",
        "subject",
        "kind",
        "severity",
        "status",
        "opened_at",
        "acknowledged_at",
        "acknowledged_by",
        "assigned_to",
        "investigated_at",
        "summary_sent_at",
        "due_by",
        "summary_due_by",
    ),
    "cases": ("id", "home_id", "status", "level", "opened_at", "assigned_to"),
    "case_duties": ("case_id", "duty", "status", "due_by"),
}

RESOLVED: Final = sql_literal(AlertStatus.RESOLVED.value)
OPEN_STATES: Final = [status.value for status in AlertStatus if status != AlertStatus.RESOLVED]
CASE_OPEN: Final = sql_literal("open")
PENDING_DUTIES: Final = ", ".join(
    sql_literal(s.value) for s in (DutyStatus.DUE, DutyStatus.OVERDUE)
)
UNASSIGNED: Final = "(unassigned)"

# Variables' names, shared by the boards and the queries that use them.
ALERT_STATE_VARIABLE: Final = "alert_state"
ASSIGNEE_VARIABLE: Final = "assignee"
HOME_VARIABLE: Final = "home"

_ASSIGNEE = f"COALESCE(a.assigned_to, {sql_literal(UNASSIGNED)})"
# The same rule as the API's `overdue_condition`: investigation or written summary past due.
_OVERDUE = (
    "((a.due_by IS NOT NULL AND a.investigated_at IS NULL AND a.due_by < now()) OR "
    "(a.summary_due_by IS NOT NULL AND a.summary_sent_at IS NULL AND a.summary_due_by < now()))"
)
_NOT_RESOLVED = f"a.status <> {RESOLVED}"
_ALERT_FILTERS = (
    f"{_NOT_RESOLVED} AND {any_of('a.status', ALERT_STATE_VARIABLE)} "
    f"AND {any_of(_ASSIGNEE, ASSIGNEE_VARIABLE)}"
)
_ALERT_PLACES = (
    "FROM alerts a LEFT JOIN homes h ON h.home_id = a.home_id "
    "LEFT JOIN rooms r ON r.home_pk = h.id AND r.room_id = a.room"
)
# A room's registered name; an alert on the whole home has no room.
_ROOM_NAME = "COALESCE(r.name, NULLIF(a.room, ''), 'Whole home')"

HOME_OPTIONS: Final = (
    "SELECT h.address || ', ' || h.postcode AS __text, h.home_id AS __value "
    "FROM homes h ORDER BY h.address, h.home_id"
)
ROOM_OPTIONS: Final = (
    "SELECT r.name AS __text, r.room_id AS __value FROM rooms r "
    f"JOIN homes h ON h.id = r.home_pk WHERE h.home_id = '${HOME_VARIABLE}' ORDER BY r.name"
)
ASSIGNEE_OPTIONS: Final = (
    f"SELECT DISTINCT {_ASSIGNEE} FROM alerts a WHERE {_NOT_RESOLVED} ORDER BY 1"
)
# Joined to InfluxDB tables by their `home` and `room` tags, so homes show by address and
# rooms by name.
ADDRESSES: Final = "SELECT h.home_id AS home, h.address AS address FROM homes h"
ADDRESSES_OF_SELECTED: Final = f"{ADDRESSES} WHERE h.home_id IN (${HOME_VARIABLE})"
ROOM_NAMES: Final = (
    "SELECT r.room_id AS room, r.name AS room_name FROM rooms r "
    f"JOIN homes h ON h.id = r.home_pk WHERE h.home_id = '${HOME_VARIABLE}'"
)

OPEN_ALERTS: Final = (
    f'SELECT h.address AS "Address", a.home_id AS "Home id", {_ROOM_NAME} AS "Room", '
    'a.kind AS "Kind", a.severity AS "Severity", a.status AS "State", '
    'a.acknowledged_by AS "Acknowledged by", a.acknowledged_at AS "Acknowledged at", '
    'a.assigned_to AS "Assigned to", a.opened_at AS "Opened", a.due_by AS "Investigate by", '
    f'{_OVERDUE} AS "Overdue" {_ALERT_PLACES} WHERE {_ALERT_FILTERS} '
    "ORDER BY a.due_by NULLS LAST, a.opened_at, a.id"
)
OPEN_ALERT_COUNT: Final = f'SELECT count(*) AS "Open alerts" FROM alerts a WHERE {_ALERT_FILTERS}'
UNACKNOWLEDGED_COUNT: Final = (
    'SELECT count(*) AS "Not acknowledged" FROM alerts a '
    f"WHERE a.status = {sql_literal(AlertStatus.OPEN.value)}"
)
OVERDUE_COUNT: Final = (
    f'SELECT count(*) AS "Overdue" FROM alerts a WHERE {_NOT_RESOLVED} AND {_OVERDUE}'
)


def open_alerts_by(column: str) -> str:
    """Open alerts counted per value of an alerts column, most first."""
    return (
        f'SELECT a.{column} AS "{column}", count(*) AS "Open" FROM alerts a '
        f'WHERE {_ALERT_FILTERS} GROUP BY a.{column} ORDER BY "Open" DESC, a.{column}'
    )


OPEN_BY_KIND: Final = open_alerts_by("kind")
OPEN_BY_SEVERITY: Final = open_alerts_by("severity")

HOME_ALERTS: Final = (
    f'SELECT {_ROOM_NAME} AS "Room", a.kind AS "Kind", a.severity AS "Severity", '
    'a.status AS "State", a.acknowledged_by AS "Acknowledged by", '
    'a.assigned_to AS "Assigned to", a.opened_at AS "Opened", a.due_by AS "Investigate by", '
    f'{_OVERDUE} AS "Overdue" {_ALERT_PLACES} '
    f"WHERE a.home_id = '${HOME_VARIABLE}' AND {_NOT_RESOLVED} "
    "ORDER BY a.due_by NULLS LAST, a.opened_at, a.id"
)

# Each open case's next statutory duty: the pending one with the earliest deadline.
_NEXT_DUTY = (
    "LEFT JOIN LATERAL (SELECT d.duty, d.due_by FROM case_duties d "
    f"WHERE d.case_id = c.id AND d.status IN ({PENDING_DUTIES}) AND d.due_by IS NOT NULL "
    "ORDER BY d.due_by LIMIT 1) n ON true"
)
OPEN_CASES: Final = (
    'SELECT c.id AS "Case", h.address AS "Address", c.home_id AS "Home id", '
    'c.level AS "Hazard", c.assigned_to AS "Assigned to", c.opened_at AS "Opened", '
    'n.duty AS "Next duty", n.due_by AS "Due by", n.due_by < now() AS "Past due" '
    f"FROM cases c LEFT JOIN homes h ON h.home_id = c.home_id {_NEXT_DUTY} "
    f"WHERE c.status = {CASE_OPEN} ORDER BY n.due_by NULLS LAST, c.id"
)
# Past its next deadline = some pending duty is past due: one probe of the duties' index per case.
CASES_PAST_DUE_COUNT: Final = (
    'SELECT count(*) AS "Cases past a deadline" FROM cases c '
    f"WHERE c.status = {CASE_OPEN} AND EXISTS (SELECT 1 FROM case_duties d "
    f"WHERE d.case_id = c.id AND d.status IN ({PENDING_DUTIES}) AND d.due_by < now())"
)
