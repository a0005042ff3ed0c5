"""The monitored homes' outcomes this winter, from their sensors and the alerts they raised."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dampwatch.assessment.kinds import AlertKind
from dampwatch_api.alerts.models import Alert
from dampwatch_api.registry.models import Device, Home

# A hazard of the kind the prediction ranks: damp and mould, or a cold home.
HAZARD_KINDS: Final = {
    "damp": frozenset({AlertKind.MOULD_RISK.value, AlertKind.CONDENSATION_RISK.value}),
    "cold": frozenset({AlertKind.COLD_HOME.value}),
}
WINTER_FIRST_MONTH = 10  # the heating season runs from October


def winter_start(now: datetime) -> datetime:
    """The 1 October that opened the heating season `now` is in (UTC)."""
    year = now.year if now.month >= WINTER_FIRST_MONTH else now.year - 1
    return datetime(year, WINTER_FIRST_MONTH, 1, tzinfo=UTC)


def monitored_homes(session: Session, since: datetime) -> set[str]:
    """Homes with a sensor at some time since `since` (installed, not removed before)."""
    query = (
        select(Home.home_id)
        .join(Device, Device.home_pk == Home.id)
        .where(or_(Device.removed_at.is_(None), Device.removed_at >= since))
        .distinct()
    )
    return set(session.scalars(query))


def hazard_homes(session: Session, kinds: Iterable[str], since: datetime) -> set[str]:
    """Homes with an alert of `kinds` that was open at some time since `since`."""
    query = (
        select(Alert.home_id)
        .where(Alert.kind.in_(sorted(kinds)))
        .where(or_(Alert.resolved_at.is_(None), Alert.resolved_at >= since))
        .distinct()
    )
    return set(session.scalars(query))


def winter_outcomes(session: Session, since: datetime) -> dict[str, dict[str, bool]]:
    """Per kind: each monitored home's outcome (True: it had that hazard this winter)."""
    watched = monitored_homes(session, since)
    outcomes = {}
    for kind, alert_kinds in HAZARD_KINDS.items():
        flagged = hazard_homes(session, alert_kinds, since)
        outcomes[kind] = {home_id: home_id in flagged for home_id in watched}
    return outcomes
