"""A home whose flags clear while its case is open stays on the board until the case closes."""

from __future__ import annotations

from datetime import UTC, datetime

from dampwatch.assessment.kinds import AlertKind, Severity
from dampwatch_api.alerts import service
from tests.api.cases.conftest import Clock, raise_alert, worker
from tests.api.conftest import HOME_NORTH, Api
from tests.api.pages.support import page_client


def _board(api: Api) -> dict[str, dict[str, object]]:
    api.client.app.state.context.board.invalidate()  # type: ignore[attr-defined]
    return {row["home_id"]: row for row in api.call("GET", "/v1/board", "officer-north").json()}


def test_a_cleared_home_with_an_open_case_stays_in_the_queue(capi: Api) -> None:
    now = datetime.now(UTC)
    alert_id = raise_alert(capi, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, now)
    worker(capi, Clock()).run_once()
    case = capi.call("GET", f"/v1/cases?home_id={HOME_NORTH}", "officer-north").json()[0]
    context = capi.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        service.resolve(session, alert_id, "dampwatch-assess", "the condition cleared")
        session.commit()
    row = _board(capi)[HOME_NORTH]
    assert row["open_alerts"] == 0 and row["score"] > 0
    assert str(row["top_reasons"][0]).startswith(f"Case {case['reference']} is open")  # type: ignore[index]
    page = page_client(capi, "officer-north").get("/board")
    assert "case open, flags cleared" in page.text and f'id="pick-{HOME_NORTH}"' not in page.text
    closed = capi.call(
        "POST",
        f"/v1/cases/{case['id']}/steps",
        "officer-north",
        json={"kind": "closed", "text": "Inspected: dry.", "with_outstanding": True},
    )
    assert closed.status_code == 201, closed.text
    assert HOME_NORTH not in _board(capi)
