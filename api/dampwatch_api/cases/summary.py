"""The tenant's written summary of a case: built from its facts, kept as sent, read back."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch.casework.duties import Cause, Outcome
from dampwatch.casework.letter import Letter, LetterFacts, Section, written_summary
from dampwatch_api.cases.events import duties_of
from dampwatch_api.cases.grouping import case_alerts
from dampwatch_api.cases.models import Case, CaseStep
from dampwatch_api.registry.models import Home


class NotReady(ValueError):
    """There is no investigation to summarise yet."""


def contact_line(name: str, phone: str | None, email: str | None) -> str:
    """How tenants reach the landlord, in one line."""
    ways = [way for way in (phone, email) if way]
    return f"{name} ({', '.join(ways)})" if ways else name


def _investigation(session: Session, case: Case) -> CaseStep | None:
    query = select(CaseStep).where(CaseStep.case_id == case.id, CaseStep.kind == "investigation")
    return session.scalars(query).first()


def _sensor_findings(session: Session, case: Case) -> tuple[str, ...]:
    lines = []
    for alert in case_alerts(session, case):
        text = str((alert.evidence or {}).get("text", "")).strip()
        if text and text not in lines:
            lines.append(text)
    return tuple(lines)


def build_letter(session: Session, case: Case, issued_at: datetime, contact: str) -> Letter:
    """The written summary as it stands at `issued_at`."""
    step = _investigation(session, case)
    if case.investigated_at is None or case.outcome is None or step is None:
        raise NotReady("the written summary follows the investigation, which is not recorded yet")
    home = session.scalar(select(Home).where(Home.home_id == case.home_id))
    address = f"{home.address}, {home.postcode}" if home is not None else case.home_id
    facts = LetterFacts(
        reference=case.reference,
        address=address,
        issued_at=issued_at,
        aware_at=case.aware_at or case.opened_at,
        investigated_at=case.investigated_at,
        # A name the officer gave for who investigated; their sign-in name means nothing to tenants.
        investigator=step.actor if step.actor != step.recorded_by else "",
        outcome=Outcome(case.outcome),
        duties=tuple(duties_of(case, issued_at)),
        contact=contact,
        sensor_findings=_sensor_findings(session, case),
        cause=Cause(case.cause) if case.cause else None,
        findings=step.text,
        work_planned=str(step.detail.get("work_planned", "")),
    )
    return written_summary(facts)


def letter_json(letter: Letter) -> dict[str, Any]:
    """The letter as stored with the `summary_sent` step and shown on the tenant's page."""
    return asdict(letter)


def letter_from_json(data: dict[str, Any]) -> Letter:
    """A stored letter."""
    sections = tuple(
        Section(
            str(section.get("heading", "")),
            tuple(str(p) for p in section.get("paragraphs", ())),
            tuple(str(i) for i in section.get("items", ())),
        )
        for section in data.get("sections", ())
    )
    return Letter(
        str(data.get("title", "")),
        str(data.get("reference", "")),
        str(data.get("address", "")),
        str(data.get("issued_on", "")),
        sections,
    )


def issued_letters(session: Session, home_id: str) -> list[tuple[Case, CaseStep, Letter]]:
    """Every written summary sent for the home's cases, newest first."""
    rows = session.execute(
        select(Case, CaseStep)
        .join(CaseStep, CaseStep.case_id == Case.id)
        .where(Case.home_id == home_id, CaseStep.kind == "summary_sent")
        .order_by(CaseStep.at.desc(), CaseStep.id.desc())
    ).all()
    return [
        (case, step, letter_from_json(step.detail["letter"]))
        for case, step in rows
        if step.detail.get("letter")
    ]


def issued_letter(session: Session, home_id: str, case_id: int) -> Letter | None:
    """The latest written summary sent about the home's case `case_id`, if any."""
    for case, _step, letter in issued_letters(session, home_id):
        if case.id == case_id:
            return letter
    return None


def _step_record(step: CaseStep, staff: bool) -> dict[str, Any]:
    # Staff see who did what, their notes and evidence; a household sees what was done and
    # when, and the written summaries it was sent (its own letters), never the working papers.
    record: dict[str, Any] = {"kind": step.kind, "at": step.at.isoformat()}
    if staff:
        record |= {
            "actor": step.actor,
            "text": step.text,
            "evidence": list(step.evidence or []),
            "detail": dict(step.detail or {}),
        }
    elif step.kind == "summary_sent" and step.detail.get("letter"):
        record["letter"] = step.detail["letter"]
    return record


def case_records(session: Session, home_id: str, *, staff: bool) -> list[dict[str, Any]]:
    """The home's cases with their record of steps, for the household's data export."""
    cases = session.scalars(select(Case).where(Case.home_id == home_id).order_by(Case.id))
    return [
        {
            "reference": case.reference,
            "status": case.status,
            "level": case.level,
            "aware_at": case.aware_at.isoformat() if case.aware_at else None,
            "steps": [
                _step_record(step, staff)
                for step in session.scalars(
                    select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.seq)
                )
            ],
        }
        for case in cases
    ]
