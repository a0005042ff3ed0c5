"""Alerts: list with filters and pagination, the workflow (acknowledge, assign, note,
investigation, summary, resolve) and the audit trail, all through the alert service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, StringConstraints
from sqlalchemy import select

from dampwatch_api.alerts import service
from dampwatch_api.alerts.assignees import check_assignee
from dampwatch_api.alerts.models import Alert
from dampwatch_api.auth.principal import Principal
from dampwatch_api.deps import CurrentUser, Guard, SessionDep, SignedIn
from dampwatch_api.policy import Action, may, sees_other_people, visible_homes
from dampwatch_api.registry.models import Home, Role

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
AlertIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)]


class AlertOut(BaseModel):
    """An alert as contract v1 describes it, with the workflow's facts."""

    id: int
    home_id: str
    room: str | None
    kind: str
    severity: str
    status: str
    opened_at: datetime
    due_by: datetime | None
    summary_due_by: datetime | None
    overdue: bool
    hazard_level: str | None
    acknowledged_by: str | None
    assigned_to: str | None
    investigated_at: datetime | None
    summary_sent_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    evidence: dict[str, Any]


class AlertEventOut(BaseModel):
    """One entry of the audit trail."""

    at: datetime
    actor: str
    action: str
    status: str
    detail: dict[str, Any]


class AssignIn(BaseModel):
    """Whom to give the case to (empty: nobody)."""

    assignee: Name


class NoteIn(BaseModel):
    """A note for the case file."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class ResolveIn(BaseModel):
    """Why the case is closed."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


def alert_out(alert: Alert, now: datetime | None = None) -> AlertOut:
    """The response form of an alert."""
    from datetime import UTC  # noqa: PLC0415

    return AlertOut(
        id=alert.id,
        home_id=alert.home_id,
        room=alert.room or None,
        kind=alert.kind,
        severity=alert.severity,
        status=alert.status,
        opened_at=alert.opened_at,
        due_by=alert.due_by,
        summary_due_by=alert.summary_due_by,
        overdue=service.is_overdue(alert, now or datetime.now(UTC)),
        hazard_level=alert.hazard_level,
        acknowledged_by=alert.acknowledged_by,
        assigned_to=alert.assigned_to,
        investigated_at=alert.investigated_at,
        summary_sent_at=alert.summary_sent_at,
        resolved_at=alert.resolved_at,
        resolution=alert.resolution,
        evidence=dict(alert.evidence or {}),
    )


STAFF = "housing team"


def for_caller(out: AlertOut, principal: Principal) -> AlertOut:
    """What the caller may see of an alert: to a tenant, staff are their housing team."""
    if sees_other_people(principal):
        return out
    return out.model_copy(update={"acknowledged_by": None, "assigned_to": None})


class AlertGuard(Guard):
    """Loads `{alert_id}` and requires `action` on its home (404 when the home is not visible)."""

    def __init__(self, action: Action) -> None:
        self.action = action

    def __call__(self, alert_id: AlertIdPath, principal: CurrentUser, session: SessionDep) -> Alert:
        """The alert, once the policy allows the action on its home."""
        alert = session.get(Alert, alert_id)
        home = session.scalar(select(Home).where(Home.home_id == alert.home_id)) if alert else None
        if alert is None or home is None or not may(principal, home, Action.READ):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"alert {alert_id} not found")
        if not may(principal, home, self.action):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"not allowed to {self.action} here")
        return alert


AlertRead = Annotated[Alert, Depends(AlertGuard(Action.READ))]
AlertManage = Annotated[Alert, Depends(AlertGuard(Action.MANAGE))]


def _scope(principal: Principal, session: SessionDep) -> list[str] | None:
    if principal.role is Role.ADMIN:
        return None
    return list(session.scalars(select(Home.home_id).where(visible_homes(principal))))


@router.get("", response_model=list[AlertOut])
def list_alerts(
    *,
    principal: SignedIn,
    session: SessionDep,
    response: Response,
    alert_status: Annotated[
        list[str] | None, Query(alias="status", description="open, acknowledged, resolved")
    ] = None,
    home_id: str | None = None,
    portfolio: str | None = None,
    kind: str | None = None,
    severity: str | None = None,
    room: str | None = None,
    assigned_to: str | None = None,
    overdue: bool | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 50,
) -> list[AlertOut]:
    """Alerts of the homes the caller may see, newest first; `X-Total-Count` gives the total."""
    home_ids = _scope(principal, session)
    if portfolio is not None:
        in_portfolio = set(session.scalars(select(Home.home_id).where(Home.portfolio == portfolio)))
        home_ids = sorted(in_portfolio if home_ids is None else in_portfolio & set(home_ids))
    filters = service.AlertFilter(
        status=alert_status,
        home_id=home_id,
        home_ids=home_ids,
        kind=kind,
        severity=severity,
        room=room,
        # A tenant may not ask who has the case any more than see it.
        assigned_to=assigned_to if sees_other_people(principal) else None,
        overdue=overdue,
    )
    page = service.list_alerts(session, filters, service.Page(offset=offset, limit=limit))
    response.headers["X-Total-Count"] = str(page.total)
    return [for_caller(alert_out(alert), principal) for alert in page.items]


@router.get("/{alert_id}", response_model=AlertOut)
def get_alert(alert: AlertRead, principal: SignedIn) -> AlertOut:
    """One alert."""
    return for_caller(alert_out(alert), principal)


@router.get("/{alert_id}/events", response_model=list[AlertEventOut])
def alert_events(alert: AlertRead, principal: SignedIn, session: SessionDep) -> list[AlertEventOut]:
    """The audit trail: every change, who made it and when (to a tenant: what and when)."""
    staff = sees_other_people(principal)
    return [
        AlertEventOut(
            at=event.at,
            actor=event.actor if staff or event.actor == principal.name else STAFF,
            action=event.action,
            status=event.status,
            # Notes and reasons are the housing team's working papers.
            detail=dict(event.detail or {}) if staff else {},
        )
        for event in service.alert_events(session, alert.id)
    ]


@router.post("/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(alert: AlertManage, principal: SignedIn, session: SessionDep) -> AlertOut:
    """Mark the alert as seen."""
    updated = service.acknowledge(session, alert.id, principal.name)
    session.commit()
    return alert_out(updated)


@router.post("/{alert_id}/assign", response_model=AlertOut)
def assign(
    body: AssignIn, alert: AlertManage, principal: SignedIn, session: SessionDep
) -> AlertOut:
    """Give the case to an active officer who may work on the home (empty: nobody)."""
    home = session.scalar(select(Home).where(Home.home_id == alert.home_id))
    assert home is not None  # the guard loaded it
    assignee = check_assignee(session, home.home_id, home.portfolio, body.assignee)
    updated = service.assign(session, alert.id, assignee, principal.name)
    session.commit()
    return alert_out(updated)


@router.post("/{alert_id}/notes", response_model=AlertOut, status_code=status.HTTP_201_CREATED)
def add_note(
    body: NoteIn, alert: AlertManage, principal: SignedIn, session: SessionDep
) -> AlertOut:
    """Add a note to the case file."""
    service.add_note(session, alert.id, body.text, principal.name)
    session.commit()
    return alert_out(alert)


@router.post("/{alert_id}/investigation", response_model=AlertOut)
def record_investigation(alert: AlertManage, principal: SignedIn, session: SessionDep) -> AlertOut:
    """Record that the home was investigated (stops the investigation clock)."""
    updated = service.record_investigation(session, alert.id, principal.name)
    session.commit()
    return alert_out(updated)


@router.post("/{alert_id}/summary", response_model=AlertOut)
def record_summary_sent(alert: AlertManage, principal: SignedIn, session: SessionDep) -> AlertOut:
    """Record that the written summary reached the tenant."""
    updated = service.record_summary_sent(session, alert.id, principal.name)
    session.commit()
    return alert_out(updated)


@router.post("/{alert_id}/resolve", response_model=AlertOut)
def resolve(
    body: ResolveIn, alert: AlertManage, principal: SignedIn, session: SessionDep
) -> AlertOut:
    """Close the case with a reason."""
    updated = service.resolve(session, alert.id, principal.name, body.reason)
    session.commit()
    return alert_out(updated)
