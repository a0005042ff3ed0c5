"""One change applied to many alerts at once, each through the policy and the alert service."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch_api.alerts import service
from dampwatch_api.alerts.assignees import check_assignee
from dampwatch_api.alerts.models import Alert
from dampwatch_api.auth.principal import Principal
from dampwatch_api.policy import Action, may
from dampwatch_api.registry.models import Home

MAX_ALERTS: Final = 500
NOT_FOUND: Final = "not found"


class BulkAction(StrEnum):
    """What a bulk change does to each alert."""

    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    NOTE = "note"
    RESOLVE = "resolve"


@dataclass
class BulkOutcome:
    """Which alerts changed and why the others did not."""

    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def _apply_one(
    session: Session, alert: Alert, home: Home, *, action: BulkAction, text: str, actor: str
) -> None:
    if action is BulkAction.ACKNOWLEDGE:
        service.acknowledge(session, alert.id, actor)
    elif action is BulkAction.ASSIGN:
        assignee = check_assignee(session, home.home_id, home.portfolio, text)
        service.assign(session, alert.id, assignee, actor)
    elif action is BulkAction.NOTE:
        service.add_note(session, alert.id, text, actor)
    else:
        service.resolve(session, alert.id, actor, text)


def apply_bulk(
    session: Session,
    principal: Principal,
    alert_ids: Iterable[int],
    action: BulkAction,
    text: str = "",
) -> BulkOutcome:
    """Apply `action` to each alert the caller may work on; the caller commits.

    Alerts of homes the caller may not see are refused as "not found", as one by one.
    Every check runs before an alert changes, so a refused alert is left as it was.
    """
    ids = sorted(set(alert_ids))[:MAX_ALERTS]
    alerts = {alert.id: alert for alert in session.scalars(select(Alert).where(Alert.id.in_(ids)))}
    home_ids = {alert.home_id for alert in alerts.values()}
    homes = {
        home.home_id: home
        for home in session.scalars(select(Home).where(Home.home_id.in_(home_ids)))
    }
    outcome = BulkOutcome()
    for alert_id in ids:
        alert = alerts.get(alert_id)
        home = homes.get(alert.home_id) if alert is not None else None
        if alert is None or home is None or not may(principal, home, Action.READ):
            outcome.refused[alert_id] = NOT_FOUND
            continue
        if not may(principal, home, Action.MANAGE):
            outcome.refused[alert_id] = "not allowed"
            continue
        try:
            _apply_one(session, alert, home, action=action, text=text, actor=principal.name)
        except (service.AlertTransitionError, ValueError) as error:
            outcome.refused[alert_id] = str(error)
        else:
            outcome.done.append(alert_id)
    return outcome
