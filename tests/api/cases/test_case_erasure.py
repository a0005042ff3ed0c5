"""Erasing a home's personal data blanks its cases' free text and keeps the statutory record."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from dampwatch.assessment.kinds import AlertKind, Severity
from dampwatch_api.alerts.models import AlertEvent
from dampwatch_api.cases.models import Case, CaseStep
from dampwatch_api.erasure import ERASED, erase_sql
from dampwatch_api.registry.models import Home
from tests.api.cases.conftest import Clock, raise_alert, worker
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api

NAMED = "Mrs Ada Jones rang from 07700 900123 about the bedroom."


def _case_id(api: Api, home: str) -> int:
    found = api.call("GET", f"/v1/cases?home_id={home}", "admin").json()
    assert len(found) == 1, found
    return int(found[0]["id"])


def _note_and_close(api: Api, case_id: int) -> None:
    for body in (
        {"kind": "note", "text": NAMED},
        {"kind": "closed", "text": f"Closed after a call: {NAMED}", "with_outstanding": True},
    ):
        made = api.call("POST", f"/v1/cases/{case_id}/steps", "admin", json=body)
        assert made.status_code == 201, made.text


def test_erasure_blanks_case_text_of_that_home_only(sqlite_api: Api) -> None:
    now = datetime.now(UTC)
    for home in (HOME_NORTH, HOME_SOUTH):
        raise_alert(sqlite_api, home, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, now)
    worker(sqlite_api, Clock()).run_once()
    north, south = _case_id(sqlite_api, HOME_NORTH), _case_id(sqlite_api, HOME_SOUTH)
    for case_id in (north, south):
        _note_and_close(sqlite_api, case_id)
    context = sqlite_api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        home = session.scalar(select(Home).where(Home.home_id == HOME_NORTH))
        assert home is not None
        _, _, scrubbed = erase_sql(session, home)
        session.commit()
    assert scrubbed >= 2
    with context.sessions() as session:
        kept = {
            step.case_id: step for step in session.scalars(select(CaseStep)) if step.kind == "note"
        }
        assert kept[north].text == "" and kept[south].text == NAMED
        kinds = [s.kind for s in session.scalars(select(CaseStep).where(CaseStep.case_id == north))]
        assert "note" in kinds and "closed" in kinds  # what was done, and when, stays
        assert session.get(Case, north).close_reason == ERASED  # type: ignore[union-attr]
        assert NAMED in (session.get(Case, south).close_reason or "")  # type: ignore[union-attr]
        texts = [str(event.detail) for event in session.scalars(select(AlertEvent))]
        assert sum(NAMED in text for text in texts) == 1  # only the south home's resolution
    shown = sqlite_api.call("GET", f"/v1/cases/{north}/steps", "admin").json()
    assert all(NAMED not in str(step) for step in shown)
