"""Appending a step to a case's record, with its event, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dampwatch_api.cases.events import emit_case_event
from dampwatch_api.cases.models import Case, CaseStep
from dampwatch_api.webhooks.outbox import rfc3339

# Steps that are their own kind of event; every other step is `case.step_recorded`.
STEP_EVENTS: Final = {"escalated": "case.escalated", "closed": "case.resolved"}


def step_data(step: CaseStep) -> dict[str, Any]:
    """A step as events show it (the free text stays in the API, behind its guard)."""
    return {
        "seq": step.seq,
        "kind": step.kind,
        "at": rfc3339(step.at),
        "actor": step.actor,
        "duty": step.duty,
        "reason": step.reason,
        "detail": {k: v for k, v in step.detail.items() if k != "letter"},
    }


def append_step(
    session: Session,
    case: Case,
    *,
    kind: str,
    at: datetime,
    recorded_by: str,
    now: datetime,
    actor: str | None = None,
    text: str = "",
    evidence: list[str] | None = None,
    duty: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> CaseStep:
    """Add the step (numbered after the case's last) and its event."""
    last = session.scalar(select(func.max(CaseStep.seq)).where(CaseStep.case_id == case.id))
    step = CaseStep(
        case_id=case.id,
        seq=(last or 0) + 1,
        kind=kind,
        at=at,
        recorded_at=now,
        recorded_by=recorded_by,
        actor=actor or recorded_by,
        duty=duty,
        reason=reason,
        text=text,
        evidence=list(evidence or []),
        detail=dict(detail or {}),
    )
    session.add(step)
    case.updated_at = now
    session.flush()
    emit_case_event(
        session,
        case,
        STEP_EVENTS.get(kind, "case.step_recorded"),
        source_key=f"case:{case.id}:step:{step.seq}",
        subject=f"steps/{step.seq}",
        now=now,
        data={"step": step_data(step)},
    )
    return step
