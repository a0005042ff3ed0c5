"""The alert workflow through the API, and the board's ranking and scope."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from dampwatch_api.alerts.models import Alert
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api


def add_alert(
    api: Api, home_id: str, severity: str, days_open: int, text: str, room: str = "bathroom"
) -> int:
    """Store an open alert as the assessment job would."""
    context = api.client.app.state.context  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with context.sessions() as session:
        alert = Alert(
            home_id=home_id,
            room=room,
            kind="mould_risk",
            severity=severity,
            status="open",
            opened_at=now - timedelta(days=days_open),
            condition_since=now - timedelta(days=days_open),
            last_seen_at=now,
            due_by=now + timedelta(days=10 - days_open),
            evidence={"text": text},
        )
        session.add(alert)
        session.commit()
        return alert.id


def test_officer_works_an_alert_with_an_audit_trail(api: Api) -> None:
    alert_id = add_alert(api, HOME_NORTH, "high", 2, "mould index 3.2 on the north wall")
    base = f"/v1/alerts/{alert_id}"
    assert (
        api.call("POST", f"{base}/acknowledge", "officer-north").json()["status"] == "acknowledged"
    )
    # Cases go to real people who may work on the home, never to free text.
    for stranger in ("surveyor-1", "officer-south", "tenant-north"):
        refused = api.call("POST", f"{base}/assign", "officer-north", json={"assignee": stranger})
        assert refused.status_code == 422, (stranger, refused.text)
    assigned = api.call(
        "POST", f"{base}/assign", "officer-north", json={"assignee": "officer-north"}
    )
    assert assigned.json()["assigned_to"] == "officer-north"
    people = api.call("GET", f"/v1/homes/{HOME_NORTH}/assignees", "officer-north").json()
    assert [person["username"] for person in people] == ["admin", "officer-north"]
    assert (
        api.call(
            "POST", f"{base}/notes", "officer-north", json={"text": "visit booked"}
        ).status_code
        == 201
    )
    assert api.call("POST", f"{base}/acknowledge", "tenant-north").status_code == 403
    resolved = api.call(
        "POST", f"{base}/resolve", "officer-north", json={"reason": "extractor fan fitted"}
    )
    assert resolved.json()["status"] == "resolved"
    again = api.call("POST", f"{base}/resolve", "officer-north", json={"reason": "twice"})
    assert again.status_code == 409 and "resolved" in again.json()["detail"]
    trail = api.call("GET", f"{base}/events", "officer-north").json()
    assert [event["action"] for event in trail] == ["acknowledged", "assigned", "note", "resolved"]
    assert {event["actor"] for event in trail} == {"officer-north"}
    # The tenant sees what happened and when; the staff are their housing team, notes stay out.
    seen = api.call("GET", f"{base}/events", "tenant-north").json()
    assert [event["action"] for event in seen] == ["acknowledged", "assigned", "note", "resolved"]
    assert {event["actor"] for event in seen} == {"housing team"}
    assert all(event["detail"] == {} for event in seen)
    listed = api.call("GET", "/v1/alerts?status=resolved", "officer-north")
    assert [a["id"] for a in listed.json()] == [alert_id] and listed.headers["X-Total-Count"] == "1"
    assert api.call("GET", "/v1/alerts?status=resolved", "officer-south").json() == []


def test_board_ranks_homes_and_scopes_them(api: Api) -> None:
    add_alert(api, HOME_NORTH, "low", 1, "damp corner")
    add_alert(api, HOME_SOUTH, "emergency", 12, "black mould over the cot")
    response = api.call("GET", "/v1/board", "admin")
    assert response.status_code == 200, response.text
    board = response.json()
    assert [row["home_id"] for row in board] == [HOME_SOUTH, HOME_NORTH]
    top = board[0]
    assert top["overdue"] is True and top["due_by"] is not None
    assert "black mould over the cot" in top["top_reasons"][0]
    assert [row["home_id"] for row in api.call("GET", "/v1/board", "officer-north").json()] == [
        HOME_NORTH
    ]
    assert [row["home_id"] for row in api.call("GET", "/v1/board", "tenant-south").json()] == [
        HOME_SOUTH
    ]
    # A change made by the assessment job (another process) shows within the check interval.
    add_alert(api, "unknown-home", "emergency", 3, "not in the registry")
    add_alert(api, HOME_NORTH, "emergency", 3, "ceiling collapsed", room="kitchen")
    time.sleep(api.client.app.state.context.board.check_interval_s)  # type: ignore[attr-defined]
    rows = {row["home_id"]: row for row in api.call("GET", "/v1/board", "admin").json()}
    assert set(rows) == {HOME_NORTH, HOME_SOUTH}
    assert rows[HOME_NORTH]["open_alerts"] == 2
    assert "ceiling collapsed" in rows[HOME_NORTH]["top_reasons"][0]


def test_board_keeps_an_alert_of_unknown_severity(api: Api) -> None:
    add_alert(api, HOME_NORTH, "catastrophic", 1, "written by a newer version")
    add_alert(api, HOME_SOUTH, "low", 1, "damp corner")
    response = api.call("GET", "/v1/board", "admin")
    assert response.status_code == 200, response.text
    # Ranked as high: above the low alert, not hidden and not an error.
    assert [row["home_id"] for row in response.json()] == [HOME_NORTH, HOME_SOUTH]
