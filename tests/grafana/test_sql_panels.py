"""Every SQL query of every board, run as Grafana's read-only role against the migrated schema,
answers with the alerts and cases the API's own services wrote, the moment they wrote them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from dampwatch.assessment.kinds import AlertKind, Severity
from dampwatch_api.alerts import service
from dampwatch_api.alerts.models import Alert
from dampwatch_api.board_cases import next_duties
from dampwatch_api.registry.models import Home
from dampwatch_api.settings import ApiAppSettings
from dampwatch_api.worker.loop import casework
from dampwatch_grafana import schema
from tests.grafana.boards_support import BoardRun, load_boards, render_sql, sql_texts
from tests.grafana.grafana_emulation import ALL, Rendering, TimeRange, Variable
from tests.grafana.sql_support import SqlDatabase, raise_alert, register

pytestmark = pytest.mark.servers
HOMES = {
    "h-north": ("1 North Rd", {"bath": "Bathroom", "bed-1": "Main bedroom"}),
    "h-south": ("2 South Rd", {"kitchen": "Kitchen"}),
    "h-west": ("3 West Rd", {}),
}
FILTERS_ALL = {
    name: Variable(name, ALL, options=[], multi=True, all_value="'*'")
    for name in ("alert_state", "assignee")
}


def _rendering(**variables: Variable) -> Rendering:
    now_ms = int(time.time() * 1000)
    return Rendering(TimeRange.last("7d", now_ms), variables=FILTERS_ALL | variables)


@pytest.fixture
def seeded(sql_db: SqlDatabase) -> dict[str, int]:
    """Three homes; alerts raised now and three weeks ago; one resolved; cases opened."""
    register(sql_db, HOMES)
    now = datetime.now(UTC)
    ids = {
        "mould": raise_alert(sql_db, "h-north", "bath", AlertKind.MOULD_RISK, Severity.HIGH),
        "cold": raise_alert(sql_db, "h-north", "", AlertKind.COLD_HOME, Severity.MEDIUM),
        "old": raise_alert(
            sql_db,
            "h-south",
            "kitchen",
            AlertKind.CONDENSATION_RISK,
            Severity.HIGH,
            at=now - timedelta(days=21),
        ),
        "gone": raise_alert(sql_db, "h-west", "", AlertKind.COLD_HOME, Severity.MEDIUM),
    }
    for session in sql_db.sessions():
        service.resolve(session, ids["gone"], "no longer cold", "officer-a")
        session.commit()
        casework(session, now, ApiAppSettings(_env_file=None))  # type: ignore[call-arg]
        session.commit()
    return ids


def _estate(sql_db: SqlDatabase, **variables: Variable) -> BoardRun:
    board = load_boards()[schema.UID_ESTATE]
    return BoardRun(board, None, _rendering(**variables), sql_db)  # type: ignore[arg-type]


def _one(rows: list[dict[str, Any]]) -> Any:
    (row,) = rows
    (value,) = row.values()
    return value


@pytest.mark.parametrize("uid", sorted(load_boards()))
def test_every_sql_query_runs_as_the_reader(
    uid: str, sql_db: SqlDatabase, seeded: dict[str, int]
) -> None:
    home = Variable("home", "h-north")
    variables = {"home": home, "room": Variable("room", ALL, options=["bath"], multi=True)}
    if uid == schema.UID_DEVICES:
        variables["home"] = Variable("home", ALL, options=list(HOMES), multi=True)
    rendering = _rendering(**variables)
    ran = 0
    for where, sql in sql_texts(load_boards()[uid]):
        rows = sql_db.rows(render_sql(sql, rendering))
        assert isinstance(rows, list), where
        assert "$" not in render_sql(sql, rendering), (where, "a variable left unreplaced")
        ran += 1
    assert ran or uid == schema.UID_PIPELINE


def test_open_alerts_panel_lists_what_the_api_holds(
    sql_db: SqlDatabase, seeded: dict[str, int]
) -> None:
    estate = _estate(sql_db)
    rows = estate.sql_rows("Open alerts by deadline")
    assert [(row["Address"], row["Room"], row["Kind"]) for row in rows] == [
        ("2 South Rd", "Kitchen", "condensation_risk"),  # the earliest deadline first
        ("1 North Rd", "Bathroom", "mould_risk"),
        ("1 North Rd", "Whole home", "cold_home"),
    ]
    assert rows[0]["Home id"] == "h-south" and rows[0]["Overdue"] is True
    assert rows[1]["Overdue"] is False and rows[1]["State"] == "open"
    for session in sql_db.sessions():
        expected_overdue = session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(service.overdue_condition(datetime.now(UTC)))
        )
        by_kind = dict(
            session.execute(
                select(Alert.kind, func.count())
                .where(Alert.status != "resolved")
                .group_by(Alert.kind)
            ).all()
        )
    assert _one(estate.sql_rows("Overdue alerts")) == expected_overdue == 1
    assert _one(estate.sql_rows("Open alerts")) == 3
    assert _one(estate.sql_rows("Not acknowledged")) == 3
    bars = {row["kind"]: row["Open"] for row in estate.sql_rows("Open alerts by kind")}
    assert bars == by_kind
    severities = {
        row["severity"]: row["Open"] for row in estate.sql_rows("Open alerts by severity")
    }
    assert severities == {"high": 2, "medium": 1}


def test_an_acknowledgement_and_an_assignment_show_at_once(
    sql_db: SqlDatabase, seeded: dict[str, int]
) -> None:
    estate = _estate(sql_db)
    for session in sql_db.sessions():
        service.acknowledge(session, seeded["mould"], "officer-a")
        service.assign(session, seeded["mould"], "officer-b", "officer-a")
        session.commit()
    (mould,) = [
        row for row in estate.sql_rows("Open alerts by deadline") if row["Kind"] == "mould_risk"
    ]
    assert (mould["State"], mould["Acknowledged by"], mould["Assigned to"]) == (
        "acknowledged",
        "officer-a",
        "officer-b",
    )
    assert mould["Acknowledged at"] is not None
    assert _one(estate.sql_rows("Not acknowledged")) == 2
    assert estate.variable_options("assignee") == ["(unassigned)", "officer-b"]

    only_b = _estate(sql_db, assignee=Variable("assignee", ["officer-b"], multi=True))
    assert [row["Kind"] for row in only_b.sql_rows("Open alerts by deadline")] == ["mould_risk"]
    assert "IN ('officer-b')" in only_b.queries[-1]
    waiting = _estate(sql_db, alert_state=Variable("alert_state", ["open"], multi=True))
    assert [row["Kind"] for row in waiting.sql_rows("Open alerts by deadline")] == [
        "condensation_risk",
        "cold_home",
    ]


def test_cases_panel_shows_each_case_next_statutory_deadline(
    sql_db: SqlDatabase, seeded: dict[str, int]
) -> None:
    estate = _estate(sql_db)
    rows = estate.sql_rows("Open cases and their next statutory deadline")
    for session in sql_db.sessions():
        expected = next_duties(session, select(Home.home_id))
    assert {row["Home id"] for row in rows} == set(expected) == {"h-north", "h-south"}
    for row in rows:
        case_id, duty, due_by = expected[row["Home id"]]
        assert (row["Case"], row["Next duty"], row["Due by"]) == (case_id, duty, due_by)
        assert row["Address"] == HOMES[row["Home id"]][0]
    assert [row["Home id"] for row in rows] == ["h-south", "h-north"]  # soonest first
    assert rows[0]["Past due"] is True and rows[1]["Past due"] is False
    assert _one(estate.sql_rows("Cases past a deadline")) == 1
