"""Pieces every alert change shares: errors, the system actor, lookup and the audit record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dampwatch_api.alerts.models import Alert, AlertEvent

SYSTEM_ACTOR = "dampwatch-assess"


class AlertNotFound(LookupError):
    """No alert has that id."""


class AlertTransitionError(ValueError):
    """The requested change is not possible in the alert's current status."""


def get_alert(session: Session, alert_id: int) -> Alert:
    """The alert with that id, or AlertNotFound."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertNotFound(f"no alert {alert_id}")
    return alert


def record_event(
    session: Session,
    alert: Alert,
    *,
    actor: str,
    action: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> AlertEvent:
    """Write one audit event (who, when, what) and stamp the alert as updated."""
    alert.updated_at = now
    event = AlertEvent(
        alert=alert, at=now, actor=actor, action=action, status=alert.status, detail=detail or {}
    )
    session.add(event)
    session.flush()
    return event
