"""Cases end to end through the API: one visit for a home's flags, the clock, steps, closing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from dampwatch.assessment.kinds import AlertKind, Severity
from dampwatch_api.cases.models import CaseAlert
from dampwatch_api.webhooks.models import OutboxEvent
from tests.api.cases.conftest import Clock, casework_api, raise_alert, worker
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api

NOW = datetime.now(UTC)


def _case(api: Api, who: str = "officer-north", home: str = HOME_NORTH) -> dict[str, Any]:
    found = api.call("GET", f"/v1/cases?home_id={home}", who).json()
    assert len(found) == 1, found
    response = api.call("GET", f"/v1/cases/{found[0]['id']}", who)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _duties(case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {duty["duty"]: duty for duty in case["duties"]}


def _step(api: Api, case_id: int, who: str = "officer-north", **body: Any) -> Any:
    return api.call("POST", f"/v1/cases/{case_id}/steps", who, json=body)


def _events(api: Api, name: str) -> int:
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        query = select(func.count(OutboxEvent.id)).where(OutboxEvent.type == f"dampwatch.{name}")
        return int(session.scalar(query) or 0)


def test_a_homes_flags_become_one_visit_with_the_fastest_clock(capi: Api) -> None:
    clock = Clock()
    start = NOW - timedelta(days=2)
    raise_alert(capi, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, start)
    raise_alert(
        capi,
        HOME_NORTH,
        "bedroom",
        AlertKind.CONDENSATION_RISK,
        Severity.HIGH,
        start + timedelta(hours=1),
    )
    raise_alert(capi, HOME_NORTH, "kitchen", AlertKind.COLD_HOME, Severity.MEDIUM, start)
    raise_alert(capi, HOME_NORTH, "", AlertKind.BATTERY_LOW, Severity.LOW, start)
    raise_alert(capi, HOME_SOUTH, "", AlertKind.COLD_HOME, Severity.MEDIUM, start)  # no visit
    runner = worker(capi, clock)
    runner.run_once()
    case = _case(capi)
    assert case["level"] == "significant" and case["status"] == "open"
    assert sorted(a["kind"] for a in case["alerts"]) == [
        "cold_home",
        "condensation_risk",
        "mould_risk",
    ]
    assert datetime.fromisoformat(case["aware_at"]) == start
    assert case["next_duty"]["duty"] == "investigate"
    assert capi.call("GET", f"/v1/cases?home_id={HOME_SOUTH}", "admin").json() == []
    # An emergency on the case: investigate and make safe within 24 hours of seeing it.
    emergency = NOW - timedelta(hours=1)
    raise_alert(capi, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.EMERGENCY, emergency)
    runner.run_once()
    case = _case(capi)
    duties = _duties(case)
    assert datetime.fromisoformat(duties["investigate"]["due_by"]) == emergency + timedelta(
        hours=24
    )
    assert datetime.fromisoformat(duties["make_safe"]["due_by"]) == emergency + timedelta(hours=24)
    board = {e["home_id"]: e for e in capi.call("GET", "/v1/board", "officer-north").json()}
    assert board[HOME_NORTH]["case_id"] == case["id"]
    assert board[HOME_NORTH]["next_duty"] == "investigate"
    assert datetime.fromisoformat(board[HOME_NORTH]["next_duty_due_by"]) == emergency + timedelta(
        hours=24
    )
    assert _events(capi, "case.opened") == 1
    runner.run_once()
    assert _events(capi, "case.opened") == 1, "a pass with nothing new adds no event"
    # Who may see it: officers of the portfolio and admins; tenants never.
    assert capi.call("GET", "/v1/cases", "officer-south").json() == []
    assert capi.call("GET", f"/v1/cases/{case['id']}", "officer-south").status_code == 404
    assert capi.call("GET", f"/v1/cases/{case['id']}", "tenant-north").status_code == 404
    assert capi.call("GET", "/v1/cases", "tenant-north").status_code == 403
    assert capi.call("GET", f"/v1/cases/{case['id']}", "admin").status_code == 200


def test_steps_record_who_when_and_evidence_and_move_the_duties(capi: Api) -> None:
    clock = Clock()
    start = NOW - timedelta(days=3)
    raise_alert(capi, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, start)
    worker(capi, clock).run_once()
    case_id = _case(capi)["id"]
    assert _step(capi, case_id, kind="summary_sent", method="letter").status_code == 409
    late = NOW + timedelta(hours=2)
    assert _step(capi, case_id, kind="note", text="x", at=late.isoformat()).status_code == 422
    naive = "2026-01-05T10:00:00"
    assert _step(capi, case_id, kind="note", text="x", at=naive).status_code == 422
    assert _step(capi, case_id, kind="investigation").status_code == 422  # no outcome
    visited = NOW - timedelta(days=1)
    made = _step(
        capi,
        case_id,
        kind="investigation",
        at=visited.isoformat(),
        actor="Sam Patel, surveyor",
        outcome="significant",
        further_work=True,
        cause="ventilation",
        text="Black mould on the bathroom ceiling; the extractor fan does not run.",
        work_planned="Replace the extractor fan and treat the ceiling.",
        evidence=["photo:IMG_2231.jpg", "https://docs.example/survey/88"],
    )
    assert made.status_code == 201, made.text
    step = made.json()
    assert (step["actor"], step["recorded_by"]) == ("Sam Patel, surveyor", "officer-north")
    assert step["evidence"] == ["photo:IMG_2231.jpg", "https://docs.example/survey/88"]
    assert _step(capi, case_id, kind="investigation", outcome="no_hazard").status_code == 409
    duties = _duties(_case(capi))
    assert duties["investigate"]["status"] == "met"
    for name in ("written_summary", "make_safe", "preventative_steps", "preventative_start"):
        assert duties[name]["status"] == "due", (name, duties[name])
    # Reasonable endeavours pause nothing: the deadline stands, the record is kept beside it.
    before = duties["make_safe"]["due_by"]
    endeavour = _step(
        capi,
        case_id,
        kind="reasonable_endeavours",
        duty="make_safe",
        reason="access_refused",
        text="Tenant away; card left, call booked.",
    )
    assert endeavour.status_code == 201, endeavour.text
    duties = _duties(_case(capi))
    assert duties["make_safe"]["due_by"] == before and duties["make_safe"]["endeavours"] == 1
    assert (
        _step(capi, case_id, kind="made_safe", text="Fan replaced, ceiling treated.").status_code
        == 201
    )
    assert _step(capi, case_id, kind="made_safe", text="again").status_code == 409
    assert (
        _step(
            capi, case_id, kind="preventative_steps", text="Survey of the loft booked."
        ).status_code
        == 201
    )
    sent = _step(capi, case_id, kind="summary_sent", method="portal")
    assert sent.status_code == 201 and sent.json()["detail"]["letter"]["reference"]
    case = _case(capi)
    assert case["next_duty"]["duty"] == "preventative_start"
    assert _step(capi, case_id, kind="assigned", assignee="Jo Reed").status_code == 201
    assert _case(capi)["assigned_to"] == "Jo Reed"
    # Closing with a duty still open needs saying so; it resolves the case's alerts.
    refused = _step(capi, case_id, kind="closed", text="Done.")
    assert refused.status_code == 409 and "preventative_start" in refused.json()["detail"]
    closed = _step(capi, case_id, kind="closed", text="Tenancy ended.", with_outstanding=True)
    assert closed.status_code == 201, closed.text
    assert closed.json()["detail"]["outstanding"] == ["preventative_start"]
    case = _case(capi)
    assert case["status"] == "closed" and all(a["status"] == "resolved" for a in case["alerts"])
    assert _duties(case)["preventative_start"]["status"] == "unmet"
    assert _step(capi, case_id, kind="made_safe", text="late").status_code == 409
    steps = capi.call("GET", f"/v1/cases/{case_id}/steps", "officer-north").json()
    assert [s["seq"] for s in steps] == list(range(1, len(steps) + 1))
    assert next(s["kind"] for s in steps) == "investigation"
    assert capi.call("GET", f"/v1/cases/{case_id}/steps", "officer-south").status_code == 404


def test_overdue_duties_escalate_to_the_named_role_once(sqlite_api: Api) -> None:
    clock = Clock()
    raise_alert(sqlite_api, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, NOW)
    runner = worker(sqlite_api, clock)
    runner.run_once()
    case_id = _case(sqlite_api)["id"]
    clock.advance(days=20)
    runner.run_once()
    runner.run_once()
    context = sqlite_api.client.app.state.context  # type: ignore[attr-defined]
    steps = sqlite_api.call("GET", f"/v1/cases/{case_id}/steps", "officer-north").json()
    escalations = [s for s in steps if s["kind"] == "escalated"]
    assert len(escalations) == 1 and escalations[0]["duty"] == "investigate"
    assert escalations[0]["detail"]["role"] == context.settings.case_escalation_role
    assert _events(sqlite_api, "case.overdue") == 1 and _events(sqlite_api, "case.escalated") == 1
    assert _case(sqlite_api)["escalated_to"] == "Repairs manager"


def test_cannot_make_safe_calls_for_an_offer_of_somewhere_to_stay(sqlite_api: Api) -> None:
    raise_alert(
        sqlite_api,
        HOME_NORTH,
        "bedroom",
        AlertKind.MOULD_RISK,
        Severity.HIGH,
        NOW - timedelta(days=2),
    )
    worker(sqlite_api, Clock()).run_once()
    case_id = _case(sqlite_api)["id"]
    assert _step(sqlite_api, case_id, kind="cannot_make_safe", text="x").status_code == 409
    _step(sqlite_api, case_id, kind="investigation", outcome="significant", further_work=False)
    assert (
        _step(
            sqlite_api, case_id, kind="cannot_make_safe", text="Roof must be rebuilt."
        ).status_code
        == 201
    )
    offer = _duties(_case(sqlite_api))["alternative_accommodation"]
    assert (
        offer["status"] == "due"
        and offer["due_by"] == _duties(_case(sqlite_api))["make_safe"]["due_by"]
    )
    missing = _step(sqlite_api, case_id, kind="accommodation_offered", text="Flat 4, Park Rd")
    assert missing.status_code == 422
    offered = _step(
        sqlite_api,
        case_id,
        kind="accommodation_offered",
        text="Flat 4, Park Rd",
        tenant_response="declined",
    )
    assert offered.status_code == 201
    assert _duties(_case(sqlite_api))["alternative_accommodation"]["status"] == "met"


def test_phase_two_lets_cold_homes_start_the_clock_from_its_date(
    sqlite_api: Api, tmp_path: Any
) -> None:
    raise_alert(sqlite_api, HOME_NORTH, "living", AlertKind.COLD_HOME, Severity.HIGH, NOW)
    first = worker(sqlite_api, Clock())
    first.run_once()
    first.stop()  # hands the lease over to the next worker at once
    case = _case(sqlite_api)
    assert case["level"] is None and case["duties"] == [], "phase 1: a visit, no statutory clock"
    url = sqlite_api.settings.database_url
    assert url is not None
    for later in casework_api(url, tmp_path / "2", awaab_phase2_from=date(2020, 1, 1)):
        raise_alert(later, HOME_SOUTH, "living", AlertKind.COLD_HOME, Severity.HIGH, NOW)
        worker(later, Clock()).run_once()
        south = _case(later, "officer-south", HOME_SOUTH)
        assert south["level"] == "significant" and south["next_duty"]["duty"] == "investigate"
        context = later.client.app.state.context  # type: ignore[attr-defined]
        with context.sessions() as session:
            assert session.scalar(select(func.count(CaseAlert.id))) == 2
