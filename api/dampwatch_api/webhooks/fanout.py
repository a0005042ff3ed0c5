"""From the outbox to deliveries: one row per event and subscriber that wants it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch_api.webhooks.models import Delivery, OutboxEvent, Subscription
from dampwatch_api.webhooks.outbox import EVENT_NAMES, TYPE_PREFIX

FAN_OUT_BATCH: Final = 500
EVERYTHING: Final = "*"


def valid_filter(pattern: str) -> bool:
    """An event name, a family (`case.*`, `alert.*`) or `*`."""
    if pattern == EVERYTHING or pattern in EVENT_NAMES:
        return True
    family, _, rest = pattern.partition(".")
    return rest == "*" and any(name.startswith(family + ".") for name in EVENT_NAMES)


def wants(patterns: Iterable[str], name: str) -> bool:
    """Whether a subscription's filter takes the event `name` (`case.opened`)."""
    family = name.partition(".")[0]
    return any(p in (EVERYTHING, name, f"{family}.*") for p in patterns)


def fan_out(session: Session, now: datetime, limit: int = FAN_OUT_BATCH) -> int:
    """Turn outbox events not yet fanned out into deliveries; the number of events handled."""
    events = list(
        session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.fanned_out.is_(False))
            .order_by(OutboxEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not events:
        return 0
    subscriptions = list(session.scalars(select(Subscription).where(Subscription.active)))
    for event in events:
        name = event.type.removeprefix(TYPE_PREFIX)
        for subscription in subscriptions:
            if subscription.created_at <= event.created_at and wants(subscription.events, name):
                session.add(
                    Delivery(
                        outbox_id=event.id,
                        subscription_id=subscription.id,
                        ordering_key=event.ordering_key,
                        sequence=event.sequence,
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        event.fanned_out = True
    session.flush()
    return len(events)
