"""The alert workflow the API routes and the assessment job call.

Functions take a SQLAlchemy `Session`, flush their changes and leave the commit to the caller.
Every lifecycle change writes an `AlertEvent` (who, when, what); refreshed evidence of an alert
that stays open updates the alert without an event, since it changes no decision.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from dampwatch.assessment.kinds import AlertStatus, Verdict
from dampwatch.statutory import summary_due_by
from dampwatch_api.alerts.audit import (
    SYSTEM_ACTOR,
    AlertNotFound,
    AlertTransitionError,
    get_alert,
    record_event,
)
from dampwatch_api.alerts.models import Alert, AlertEvent, AlertNote
from dampwatch_api.alerts.raising import (
    AlertKey,
    apply_verdict,
    find_open,
    open_alerts,
    raise_or_update,
)

__all__ = [
    "SYSTEM_ACTOR",
    "AlertFilter",
    "AlertKey",
    "AlertNotFound",
    "AlertPage",
    "AlertTransitionError",
    "Page",
    "Verdict",
    "acknowledge",
    "add_note",
    "alert_events",
    "apply_verdict",
    "assign",
    "find_open",
    "get_alert",
    "is_overdue",
    "list_alerts",
    "open_alerts",
    "overdue_condition",
    "raise_or_update",
    "record_investigation",
    "record_summary_sent",
    "resolve",
]
MAX_PAGE_SIZE = 500
MAX_NOTE_LENGTH = 10_000


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts to list; None means any."""

    status: Collection[str] | None = None
    home_id: str | None = None
    home_ids: Collection[str] | None = None  # a portfolio
    kind: str | None = None
    severity: str | None = None
    room: str | None = None
    assigned_to: str | None = None
    overdue: bool | None = None


@dataclass(frozen=True)
class Page:
    """Offset pagination."""

    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class AlertPage:
    """One page of alerts and how many match in all."""

    items: list[Alert]
    total: int


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def overdue_condition(now: datetime) -> Any:
    """SQL condition: the investigation or the written summary is past its deadline."""
    return and_(
        Alert.status != AlertStatus.RESOLVED.value,
        or_(
            and_(Alert.due_by.is_not(None), Alert.investigated_at.is_(None), Alert.due_by < now),
            and_(
                Alert.summary_due_by.is_not(None),
                Alert.summary_sent_at.is_(None),
                Alert.summary_due_by < now,
            ),
        ),
    )


class Deadlines(Protocol):
    """What the overdue rule reads of an alert (a mapped `Alert` or a board line)."""

    @property
    def status(self) -> str: ...
    @property
    def due_by(self) -> datetime | None: ...
    @property
    def investigated_at(self) -> datetime | None: ...
    @property
    def summary_due_by(self) -> datetime | None: ...
    @property
    def summary_sent_at(self) -> datetime | None: ...


def is_overdue(alert: Deadlines, now: datetime) -> bool:
    """The same rule as `overdue_condition`, for one loaded alert."""
    if alert.status == AlertStatus.RESOLVED.value:
        return False
    if alert.investigated_at is None:
        return alert.due_by is not None and now > alert.due_by
    return (
        alert.summary_due_by is not None
        and alert.summary_sent_at is None
        and now > alert.summary_due_by
    )


def _filtered(query: Select[Any], filters: AlertFilter, now: datetime) -> Select[Any]:
    if filters.status:
        query = query.where(Alert.status.in_(list(filters.status)))
    if filters.home_id is not None:
        query = query.where(Alert.home_id == filters.home_id)
    if filters.home_ids is not None:
        query = query.where(Alert.home_id.in_(list(filters.home_ids)))
    for column, value in (
        (Alert.kind, filters.kind),
        (Alert.severity, filters.severity),
        (Alert.room, filters.room),
        (Alert.assigned_to, filters.assigned_to),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.overdue is not None:
        condition = overdue_condition(now)
        query = query.where(condition if filters.overdue else ~condition)
    return query


def list_alerts(
    session: Session, filters: AlertFilter, page: Page, now: datetime | None = None
) -> AlertPage:
    """Alerts matching `filters`, newest first, one page of them."""
    if page.offset < 0 or not 1 <= page.limit <= MAX_PAGE_SIZE:
        raise ValueError(f"page needs offset ≥ 0 and 1 ≤ limit ≤ {MAX_PAGE_SIZE}")
    moment = _now(now)
    total = session.scalar(_filtered(select(func.count(Alert.id)), filters, moment)) or 0
    query = _filtered(select(Alert), filters, moment).order_by(
        Alert.opened_at.desc(), Alert.id.desc()
    )
    items = list(session.scalars(query.offset(page.offset).limit(page.limit)))
    return AlertPage(items, total)


def alert_events(session: Session, alert_id: int) -> list[AlertEvent]:
    """The alert's audit trail, oldest first."""
    get_alert(session, alert_id)
    query = select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
    return list(session.scalars(query))


def _open_alert(alert_id: int, session: Session, action: str) -> Alert:
    alert = get_alert(session, alert_id)
    if alert.status == AlertStatus.RESOLVED.value:
        raise AlertTransitionError(f"alert {alert_id} is resolved; it cannot be {action}")
    return alert


def _require_user(user: str) -> str:
    if not user.strip():
        raise ValueError("the user making the change must be named")
    return user.strip()


def acknowledge(session: Session, alert_id: int, user: str, now: datetime | None = None) -> Alert:
    """Mark an open alert as seen by an officer; acknowledging twice changes nothing."""
    user, moment = _require_user(user), _now(now)
    alert = _open_alert(alert_id, session, "acknowledged")
    if alert.status == AlertStatus.ACKNOWLEDGED.value:
        return alert
    alert.status = AlertStatus.ACKNOWLEDGED.value
    alert.acknowledged_at, alert.acknowledged_by = moment, user
    record_event(session, alert, actor=user, action="acknowledged", now=moment)
    return alert


def assign(
    session: Session, alert_id: int, assignee: str, user: str, now: datetime | None = None
) -> Alert:
    """Give the case to `assignee` (an empty name unassigns it)."""
    user, moment = _require_user(user), _now(now)
    alert = _open_alert(alert_id, session, "assigned")
    previous = alert.assigned_to
    alert.assigned_to = assignee.strip() or None
    record_event(
        session,
        alert,
        actor=user,
        action="assigned",
        now=moment,
        detail={"from": previous, "to": alert.assigned_to},
    )
    return alert


def add_note(
    session: Session, alert_id: int, text: str, user: str, now: datetime | None = None
) -> AlertNote:
    """Attach an officer's note; notes are allowed on resolved alerts too."""
    user, moment = _require_user(user), _now(now)
    body = text.strip()
    if not body or len(body) > MAX_NOTE_LENGTH:
        raise ValueError(f"a note needs 1 to {MAX_NOTE_LENGTH} characters")
    alert = get_alert(session, alert_id)
    note = AlertNote(alert=alert, at=moment, author=user, text=body)
    session.add(note)
    record_event(session, alert, actor=user, action="note", now=moment, detail={"text": body[:200]})
    return note


def record_investigation(
    session: Session, alert_id: int, user: str, now: datetime | None = None
) -> Alert:
    """The investigation is done: stops its clock and starts the written summary's."""
    user, moment = _require_user(user), _now(now)
    alert = _open_alert(alert_id, session, "investigated")
    if alert.investigated_at is not None:
        raise AlertTransitionError(f"alert {alert_id} was already investigated")
    alert.investigated_at, alert.investigated_by = moment, user
    if alert.hazard_level is not None:
        alert.summary_due_by = summary_due_by(moment)
    if alert.status == AlertStatus.OPEN.value:
        alert.status = AlertStatus.ACKNOWLEDGED.value
        alert.acknowledged_at, alert.acknowledged_by = moment, user
    record_event(session, alert, actor=user, action="investigated", now=moment)
    return alert


def record_summary_sent(
    session: Session, alert_id: int, user: str, now: datetime | None = None
) -> Alert:
    """The written summary reached the tenant."""
    user, moment = _require_user(user), _now(now)
    alert = get_alert(session, alert_id)
    if alert.investigated_at is None:
        raise AlertTransitionError(f"alert {alert_id} has no investigation to summarise")
    alert.summary_sent_at = moment
    record_event(session, alert, actor=user, action="summary_sent", now=moment)
    return alert


def resolve(
    session: Session, alert_id: int, user: str, reason: str, now: datetime | None = None
) -> Alert:
    """Close the case with a reason; a later recurrence opens a new alert."""
    user, moment = _require_user(user), _now(now)
    if not reason.strip():
        raise ValueError("resolving needs a reason")
    alert = _open_alert(alert_id, session, "resolved")
    alert.status = AlertStatus.RESOLVED.value
    alert.resolved_at, alert.resolved_by, alert.resolution = moment, user, reason.strip()
    alert.clear_candidate_since = None
    record_event(
        session, alert, actor=user, action="resolved", now=moment, detail={"reason": reason.strip()}
    )
    return alert
