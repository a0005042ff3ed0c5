"""The board as a work queue through the API: rank ties, filters, search, sort, counts, bulk
changes and assignment to real people, each through the policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dampwatch.statutory import UK_TIMEZONE
from dampwatch_api.alerts.models import Alert
from dampwatch_api.registry.models import Home
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api


def _home(api: Api, home_id: str, portfolio: str, vulnerabilities: list[str]) -> None:
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        session.add(
            Home(
                home_id=home_id,
                address=f"{home_id} Tie Street",
                postcode="BS9 9ZZ",
                portfolio=portfolio,
                vulnerabilities=vulnerabilities,
            )
        )
        session.commit()


def _alert(
    api: Api,
    home_id: str,
    *,
    kind: str = "mould_risk",
    severity: str = "high",
    due_in_h: float = 48,
    since_days: float = 2,
    room: str = "bathroom",
    now: datetime | None = None,
) -> int:
    context = api.client.app.state.context  # type: ignore[attr-defined]
    now = now or datetime.now(UTC)
    with context.sessions() as session:
        alert = Alert(
            home_id=home_id,
            room=room,
            kind=kind,
            severity=severity,
            status="open",
            opened_at=now - timedelta(days=since_days),
            condition_since=now - timedelta(days=since_days),
            last_seen_at=now,
            due_by=now + timedelta(hours=due_in_h),
            evidence={"text": f"{kind} in the {room}"},
        )
        session.add(alert)
        session.commit()
        return alert.id


def _same_uk_day(first: datetime, second: datetime) -> bool:
    return first.astimezone(UK_TIMEZONE).date() == second.astimezone(UK_TIMEZONE).date()


def test_equal_scores_break_ties_by_severity_clock_vulnerability_duration(api: Api) -> None:
    # Five emergencies cap the score at 100 for every home; the tie-breaks then decide.
    now = datetime.now(UTC).replace(microsecond=0)  # deadlines equal to the second, as real ones
    for home_id, vulnerable in (("t-a", []), ("t-b", ["over_65"]), ("t-c", []), ("t-d", [])):
        _home(api, home_id, "north", vulnerable)
    for home_id, due_in_h, since_days in (
        ("t-a", 30, 1),
        ("t-b", 30, 1),
        ("t-c", 10, 1),
        ("t-d", 30, 9),
    ):
        for index in range(5):
            _alert(
                api,
                home_id,
                severity="emergency",
                due_in_h=due_in_h,
                since_days=since_days,
                room=f"room-{index}",
                now=now,
            )
    board = api.call("GET", "/v1/board?q=Tie+Street", "admin").json()
    assert {entry["score"] for entry in board} == {100.0}
    # The nearest deadline first, then more vulnerability, then the longest-lasting.
    assert [entry["home_id"] for entry in board] == ["t-c", "t-b", "t-d", "t-a"]
    again = api.call("GET", "/v1/board?q=Tie+Street", "admin").json()
    assert [entry["rank"] for entry in again] == [entry["rank"] for entry in board]


def test_filters_search_sort_and_counts(api: Api) -> None:
    cold = _alert(api, HOME_NORTH, kind="cold_home", severity="emergency", due_in_h=-30)
    _alert(api, HOME_NORTH, kind="device_offline", severity="medium", due_in_h=200)
    _alert(api, HOME_SOUTH, kind="overheating", severity="medium", due_in_h=5)
    entry = api.call("GET", "/v1/board?q=north+rd", "admin").json()[0]
    assert entry["home_id"] == HOME_NORTH and entry["kind_severity"] == {
        "cold_home": "emergency",
        "device_offline": "medium",
    }
    assert entry["unacknowledged"] == 2 and entry["assignees"] == []
    assert entry["last_action"] is None and entry["severity"] == "emergency"
    overdue = api.call("GET", "/v1/board?state=overdue", "admin").json()
    assert [row["home_id"] for row in overdue] == [HOME_NORTH]
    heat = api.call("GET", "/v1/board?kind=heat", "admin").json()
    assert [row["home_id"] for row in heat] == [HOME_SOUTH]
    by_due = api.call("GET", "/v1/board?sort=due", "admin").json()
    assert [row["home_id"] for row in by_due] == [HOME_NORTH, HOME_SOUTH]
    reversed_ = api.call("GET", "/v1/board?sort=due&descending=true", "admin").json()
    assert [row["home_id"] for row in reversed_] == [HOME_SOUTH, HOME_NORTH]
    summary = api.call("GET", "/v1/board/summary", "admin").json()
    assert summary | {"by_kind": None} == {
        "homes": 2,
        "open_alerts": 3,
        "new": 2,
        "due_today": int(_same_uk_day(datetime.now(UTC), datetime.now(UTC) + timedelta(hours=5))),
        "overdue": 1,
        "unassigned": 2,
        "by_kind": None,
    }
    assert summary["by_kind"] == {"damp": 0, "cold": 1, "heat": 1, "sensors": 1}
    # An officer counts only their own portfolio's homes.
    assert api.call("GET", "/v1/board/summary", "officer-south").json()["homes"] == 1
    assert api.call("GET", f"/v1/board?q={HOME_NORTH}", "officer-south").json() == []
    api.call("POST", f"/v1/alerts/{cold}/acknowledge", "officer-north")
    mine = api.call(
        "POST", f"/v1/alerts/{cold}/assign", "officer-north", json={"assignee": "officer-north"}
    )
    assert mine.status_code == 200, mine.text
    row = api.call("GET", "/v1/board?assignee=officer-north", "officer-north").json()[0]
    assert row["assignees"] == ["officer-north"] and row["last_action"]["action"] == "assigned"
    assert row["last_action"]["actor"] == "officer-north"
    assert api.call("GET", "/v1/board?state=unassigned", "officer-north").json() == []


def test_bulk_changes_only_what_the_caller_may_work_on(api: Api) -> None:
    north = [_alert(api, HOME_NORTH, room=f"room-{index}") for index in range(3)]
    south = _alert(api, HOME_SOUTH)
    body = {"action": "acknowledge", "alert_ids": [*north, south, 999_999]}
    answer = api.call("POST", "/v1/alerts/bulk", "officer-north", json=body).json()
    assert sorted(answer["done"]) == north
    assert {item["alert_id"]: item["reason"] for item in answer["refused"]} == {
        south: "not found",
        999_999: "not found",
    }
    assert api.call("GET", f"/v1/alerts/{south}", "admin").json()["status"] == "open"
    assign = {"action": "assign", "alert_ids": north, "text": "officer-south"}
    refused = api.call("POST", "/v1/alerts/bulk", "officer-north", json=assign).json()
    assert refused["done"] == [] and len(refused["refused"]) == 3
    assign["text"] = "officer-north"
    assert (
        len(api.call("POST", "/v1/alerts/bulk", "officer-north", json=assign).json()["done"]) == 3
    )
    tenant = api.call("POST", "/v1/alerts/bulk", "tenant-north", json=body).json()
    assert tenant["done"] == [] and {item["reason"] for item in tenant["refused"]} <= {
        "not found",
        "not allowed",
    }
    colleagues = api.call("GET", "/v1/assignees", "officer-north").json()
    assert [person["username"] for person in colleagues] == ["admin", "officer-north"]
    assert api.call("GET", "/v1/assignees", "tenant-north").status_code == 403


def test_home_ids_in_the_board_come_with_their_facts(api: Api) -> None:
    _alert(api, HOME_NORTH)
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        home = session.scalar(select(Home).where(Home.home_id == HOME_NORTH))
        assert home is not None
    entry = api.call("GET", "/v1/board", "officer-north").json()[0]
    assert entry["address"] == home.address and entry["portfolio"] == "north"
