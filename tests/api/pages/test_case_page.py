"""The case page follows the statutory workflow: duties with deadlines, the next step's form,
a refused step shown on the page, and nobody else's case reachable through its forms."""

from __future__ import annotations

import re

from sqlalchemy import select

from dampwatch_api.cases.models import Case, CaseStep
from dampwatch_api.worker.loop import CaseworkWorker
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api
from tests.api.pages.support import csrf_of, page_client, seed_alert, seed_rooms


def _case_of(api: Api, home_id: str) -> int:
    seed_rooms(api, home_id)
    seed_alert(api, home_id)
    context = api.client.app.state.context  # type: ignore[attr-defined]
    worker = CaseworkWorker(context.settings, context.sessions)
    worker.run_once()
    worker.stop()
    with context.sessions() as session:
        return int(session.scalars(select(Case.id).where(Case.home_id == home_id)).one())


def _steps(api: Api, case_id: int) -> list[str]:
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        return list(session.scalars(select(CaseStep.kind).where(CaseStep.case_id == case_id)))


def test_an_officer_walks_a_case_through_its_duties_on_the_page(stack: Api) -> None:
    case_id = _case_of(stack, HOME_NORTH)
    officer = page_client(stack, "officer-north")
    page = officer.get(f"/homes/{HOME_NORTH}")
    assert page.status_code == 200
    html = page.text
    assert "Cases under Awaab&#39;s Law" in html or "Cases under Awaab's Law" in html
    assert "Duties and deadlines" in html and "Investigate" in html
    assert re.search(r"Next: [^<]*Investigat[^<]*(due in|overdue)", html), "no next duty"
    assert 'name="kind" value="investigation"' in html

    investigation = {
        "csrf_token": csrf_of(html),
        "kind": "investigation",
        "outcome": "significant",
        "further_work": "yes",
        "cause": "ventilation",
        "text": "Black mould above the bath <script>alert(1)</script>",
        "work_planned": "A new extractor fan.",
        "evidence": "photo-0012.jpg\nphoto-0013.jpg",
    }
    done = officer.post(f"/homes/{HOME_NORTH}/cases/{case_id}/steps", data=investigation)
    assert done.status_code == 303 and "step-recorded" in done.headers["location"]
    page = officer.get(done.headers["location"])
    assert "The step is recorded in the case file." in page.text
    assert "<script>alert(1)</script>" not in page.text  # typed text stays text
    assert 'name="kind" value="summary_sent"' in page.text  # the next statutory step leads
    draft = officer.get(f"/homes/{HOME_NORTH}/cases/{case_id}/summary.pdf")
    assert draft.status_code == 200 and draft.content.startswith(b"%PDF")

    # A second investigation does not fit the case: the page says why, with a 409, never JSON.
    again = officer.post(
        f"/homes/{HOME_NORTH}/cases/{case_id}/steps",
        data={**investigation, "csrf_token": csrf_of(page.text)},
    )
    assert again.status_code == 409
    assert "That step was not recorded" in again.text and "already recorded" in again.text
    assert again.headers["content-type"].startswith("text/html")
    sent = officer.post(
        f"/homes/{HOME_NORTH}/cases/{case_id}/steps",
        data={"csrf_token": csrf_of(again.text), "kind": "summary_sent", "method": "letter"},
    )
    assert sent.status_code == 303
    assert _steps(stack, case_id).count("investigation") == 1
    assert "summary_sent" in _steps(stack, case_id)


def test_a_bad_value_is_explained_on_the_page(stack: Api) -> None:
    case_id = _case_of(stack, HOME_NORTH)
    officer = page_client(stack, "officer-north")
    token = csrf_of(officer.get(f"/homes/{HOME_NORTH}").text)
    bad = officer.post(
        f"/homes/{HOME_NORTH}/cases/{case_id}/steps",
        data={"csrf_token": token, "kind": "investigation", "outcome": "terrible", "text": "x"},
    )
    assert bad.status_code == 409 and "outcome" in bad.text
    late = officer.post(
        f"/homes/{HOME_NORTH}/cases/{case_id}/steps",
        data={"csrf_token": token, "kind": "note", "text": "x", "at": "2999-01-01T10:00"},
    )
    assert late.status_code == 409 and "future" in late.text
    assert _steps(stack, case_id).count("note") == 0


def test_nobody_reaches_another_portfolios_case_through_the_page(stack: Api) -> None:
    north_case = _case_of(stack, HOME_NORTH)
    _case_of(stack, HOME_SOUTH)
    south = page_client(stack, "officer-south")
    token = csrf_of(south.get(f"/homes/{HOME_SOUTH}").text)
    step = {"csrf_token": token, "kind": "note", "text": "mine now"}
    # The north case, asked for through the south home's address and through its own.
    for home in (HOME_SOUTH, HOME_NORTH):
        refused = south.post(f"/homes/{home}/cases/{north_case}/steps", data=step)
        assert refused.status_code == 404
        assert south.get(f"/homes/{home}/cases/{north_case}/summary.pdf").status_code == 404
    tenant = page_client(stack, "tenant-north")
    token = csrf_of(tenant.get(f"/homes/{HOME_NORTH}").text)
    refused = tenant.post(
        f"/homes/{HOME_NORTH}/cases/{north_case}/steps", data={**step, "csrf_token": token}
    )
    assert refused.status_code in (403, 404)
    officer = page_client(stack, "officer-north")
    forged = officer.post(
        f"/homes/{HOME_NORTH}/cases/{north_case}/steps", data={"kind": "note", "text": "x"}
    )
    assert forged.status_code == 403  # no form token
    assert _steps(stack, north_case).count("note") == 0
