"""Delivering events: in order per case and subscriber, retried with backoff, dead after the last.

Per subscriber and ordering key only the oldest pending delivery (its head) is attempted, so a
case's events arrive in order. A subscriber's heads go one at a time; the first failure ends
its turn, and the failed delivery waits out its backoff (exponential with jitter, capped).
Subscribers are served side by side. Nothing is marked before the answer: a process killed
mid-delivery leaves the delivery pending, and it is sent again, with the same `webhook-id`,
after a restart. A delivery that fails `webhook_max_attempts` times, or for longer than
`webhook_dead_after_s`, is dead: admins see it and can send it again.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import urllib3
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from dampwatch_api.casework_settings import WebhookSettings
from dampwatch_api.webhooks.models import Delivery, OutboxEvent, Subscription
from dampwatch_api.webhooks.signing import signature_headers, subscriber_secret

MAX_RESPONSE_BYTES: Final = 64 * 1024
HEADS_PER_PASS: Final = 1000
USER_AGENT: Final = "dampwatch-webhooks/1"


@dataclass(frozen=True)
class Attempt:
    """What one attempt needs, read before any network I/O."""

    delivery_id: int
    subscription_id: int
    url: str
    event_id: str
    body: bytes
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """The answer: an HTTP status, or an error before any."""

    delivery_id: int
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300


def current_secrets(
    subscription: Subscription, server_key: str, now: datetime, grace: timedelta
) -> tuple[str, ...]:
    """The secrets to sign with: the current one, and the previous one during its grace."""
    found = [subscriber_secret(server_key, subscription.secret_nonce)]
    rotated = subscription.rotated_at
    if subscription.previous_nonce and rotated is not None and now - rotated < grace:
        found.append(subscriber_secret(server_key, subscription.previous_nonce))
    return tuple(found)


def due_heads(session: Session, now: datetime, server_key: str, grace: timedelta) -> list[Attempt]:
    """The head of every subscriber's ordering key whose next attempt is due."""
    pending = Delivery.status == "pending"
    heads = (
        select(
            Delivery.subscription_id,
            Delivery.ordering_key,
            func.min(Delivery.sequence).label("first"),
        )
        .where(pending)
        .group_by(Delivery.subscription_id, Delivery.ordering_key)
        .subquery()
    )
    rows = session.execute(
        select(Delivery, OutboxEvent, Subscription)
        .join(
            heads,
            and_(
                Delivery.subscription_id == heads.c.subscription_id,
                Delivery.ordering_key == heads.c.ordering_key,
                Delivery.sequence == heads.c.first,
            ),
        )
        .join(OutboxEvent, OutboxEvent.id == Delivery.outbox_id)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(pending, Delivery.next_attempt_at <= now, Subscription.active)
        .order_by(Delivery.id)
        .limit(HEADS_PER_PASS)
    ).all()
    return [
        Attempt(
            delivery.id,
            subscription.id,
            subscription.url,
            event.event_id,
            event.body.encode(),
            current_secrets(subscription, server_key, now, grace),
        )
        for delivery, event, subscription in rows
    ]


def send(http: urllib3.PoolManager, attempt: Attempt, at: datetime, timeout_s: float) -> Outcome:
    """POST the event; never raises for the receiver's faults."""
    headers = {
        "Content-Type": "application/cloudevents+json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Idempotency-Key": attempt.event_id,
        **signature_headers(attempt.event_id, attempt.body, attempt.secrets, at),
    }
    try:
        response = http.request(
            "POST",
            attempt.url,
            body=attempt.body,
            headers=headers,
            timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
            retries=False,
            redirect=False,
            preload_content=False,
        )
        try:
            response.read(MAX_RESPONSE_BYTES)
        finally:
            response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as error:
        return Outcome(attempt.delivery_id, None, f"{type(error).__name__}: {error}"[:500])
    return Outcome(attempt.delivery_id, response.status, None)


def backoff(attempts: int, settings: WebhookSettings) -> timedelta:
    """The wait after the `attempts`-th failure: doubling from the base to the cap, jittered."""
    ceiling = min(
        settings.webhook_backoff_base_s * 2 ** (attempts - 1), settings.webhook_backoff_max_s
    )
    return timedelta(seconds=ceiling * random.uniform(0.75, 1.0))


def record(session: Session, outcome: Outcome, now: datetime, settings: WebhookSettings) -> None:
    """Write an attempt's outcome: delivered, retry later, or dead."""
    delivery = session.get(Delivery, outcome.delivery_id, with_for_update=True)
    if delivery is None or delivery.status != "pending":
        return  # removed, or redelivered by hand meanwhile
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status, delivery.last_error = outcome.status, outcome.error
    if outcome.ok:
        delivery.status, delivery.delivered_at = "delivered", now
    elif (
        delivery.attempts >= settings.webhook_max_attempts
        or (now - delivery.created_at).total_seconds() >= settings.webhook_dead_after_s
    ):
        delivery.status = "dead"
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts, settings)
    session.flush()


@dataclass
class Deliverer:
    """Sends the due heads of every subscriber, recording each answer in its own transaction."""

    sessions: sessionmaker[Session]
    settings: WebhookSettings
    server_key: str
    clock: Callable[[], datetime]
    http: urllib3.PoolManager

    def _serve(self, attempts: list[Attempt]) -> int:
        delivered = 0
        for attempt in attempts:
            outcome = send(self.http, attempt, self.clock(), self.settings.webhook_timeout_s)
            with self.sessions() as session:
                record(session, outcome, self.clock(), self.settings)
                session.commit()
            if not outcome.ok:
                break  # the subscriber is failing: its other heads wait for the next pass
            delivered += 1
        return delivered

    def run(self) -> int:
        """One pass over the due heads; the number delivered."""
        grace = timedelta(seconds=self.settings.webhook_rotation_grace_s)
        with self.sessions() as session:
            heads = due_heads(session, self.clock(), self.server_key, grace)
        by_subscriber: dict[int, list[Attempt]] = defaultdict(list)
        for attempt in heads:
            by_subscriber[attempt.subscription_id].append(attempt)
        if not by_subscriber:
            return 0
        workers = min(self.settings.webhook_concurrency, len(by_subscriber))
        with ThreadPoolExecutor(workers, thread_name_prefix="webhook") as pool:
            return sum(pool.map(self._serve, by_subscriber.values()))
