"""The transactional outbox: an event row written in the same transaction as the change it reports.

The caller's commit makes the change and its event durable together, or neither. `source_key`
names the change (an alert event, a case step, a duty falling due), and its unique constraint
refuses a second event for the same change, whichever process tries. The body is the CloudEvent
as it will be sent (structured JSON mode), built once, so every retry carries the same bytes.
Events of one case share an ordering key and are numbered by `sequence` (CloudEvents' sequence
extension), so a subscriber can keep them in order.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dampwatch_api.webhooks.models import OutboxEvent

TYPE_PREFIX: Final = "dampwatch."
EVENT_NAMES: Final = (
    "alert.raised",
    "alert.escalated",
    "alert.cleared",
    "case.opened",
    "case.step_due",
    "case.step_recorded",
    "case.overdue",
    "case.escalated",
    "case.resolved",
)
SEQUENCE_DIGITS: Final = 10  # the sequence extension compares its strings lexicographically


def rfc3339(moment: datetime) -> str:
    """A UTC timestamp as CloudEvents writes it."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def cloud_event(
    *,
    event_id: str,
    name: str,
    source: str,
    subject: str,
    occurred_at: datetime,
    sequence: int,
    partition: str,
    data: dict[str, Any],
) -> str:
    """A CloudEvents 1.0 event in structured JSON mode."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": source,
            "type": TYPE_PREFIX + name,
            "subject": subject,
            "time": rfc3339(occurred_at),
            "datacontenttype": "application/json",
            "sequence": f"{sequence:0{SEQUENCE_DIGITS}d}",
            "partitionkey": partition,
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def next_key_sequence(session: Session, ordering_key: str) -> int:
    """The next number of an ordering key only one writer uses (the casework worker)."""
    last = session.scalar(
        select(func.max(OutboxEvent.sequence)).where(OutboxEvent.ordering_key == ordering_key)
    )
    return (last or 0) + 1


def emit(
    session: Session,
    *,
    name: str,
    source_key: str,
    source: str,
    subject: str,
    ordering_key: str,
    sequence: int,
    occurred_at: datetime,
    data: dict[str, Any],
    home_id: str | None = None,
) -> OutboxEvent:
    """Add the event to the outbox, in the caller's transaction."""
    if name not in EVENT_NAMES:
        raise ValueError(f"unknown event {name!r}")
    event_id = str(uuid.uuid4())
    body = cloud_event(
        event_id=event_id,
        name=name,
        source=source,
        subject=subject,
        occurred_at=occurred_at,
        sequence=sequence,
        partition=ordering_key,
        data=data,
    )
    event = OutboxEvent(
        event_id=event_id,
        source_key=source_key,
        type=TYPE_PREFIX + name,
        ordering_key=ordering_key,
        sequence=sequence,
        home_id=home_id,
        occurred_at=occurred_at,
        body=body,
        fanned_out=False,
        # When it entered the outbox: subscribers get the events written after they subscribed.
        created_at=datetime.now(UTC),
    )
    session.add(event)
    session.flush()
    return event
