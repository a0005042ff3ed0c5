"""Webhooks, for admins: subscriptions (URL, events, secret) and the deliveries, dead ones too."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, Field, StringConstraints, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dampwatch_api.deps import Administrator, ContextDep, Guard, SessionDep
from dampwatch_api.policy import Action
from dampwatch_api.webhooks.fanout import valid_filter
from dampwatch_api.webhooks.models import Delivery, OutboxEvent, Subscription
from dampwatch_api.webhooks.outbox import EVENT_NAMES
from dampwatch_api.webhooks.signing import new_nonce, subscriber_secret

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2048)]


Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Events = Annotated[list[str], Field(min_length=1, max_length=len(EVENT_NAMES) + 3)]


def known_events(events: list[str] | None) -> list[str] | None:
    """The event filter, checked and without repeats."""
    if events is None:
        return None
    unknown = [event for event in events if not valid_filter(event)]
    if unknown:
        raise ValueError(f"unknown events {unknown}; choose from {', '.join(EVENT_NAMES)}")
    return sorted(set(events))


class SubscriptionIn(BaseModel):
    """A subscriber: where to send, which events (`case.*`, `alert.raised`, `*`)."""

    name: Label
    url: Url
    events: Events

    _events = field_validator("events")(known_events)


class SubscriptionPatch(BaseModel):
    """Changes to a subscription; absent fields stay."""

    name: Label | None = None
    url: Url | None = None
    events: Events | None = None
    active: bool | None = None

    _events = field_validator("events")(known_events)


class SubscriptionOut(BaseModel):
    """A subscription, with its delivery health."""

    id: int
    name: str
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    created_by: str
    rotated_at: datetime | None
    pending: int
    dead: int
    last_delivered_at: datetime | None


class SecretOut(BaseModel):
    """The subscription's signing secret: shown now, never again."""

    subscription: SubscriptionOut
    secret: str


class DeliveryOut(BaseModel):
    """One event to one subscriber."""

    id: int
    subscription_id: int
    event_id: str
    type: str
    ordering_key: str
    sequence: int
    status: str
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class SubscriptionGuard(Guard):
    """Admins only; loads `{subscription_id}`."""

    action = Action.ADMINISTER

    def __call__(
        self, subscription_id: IdPath, admin: Administrator, session: SessionDep
    ) -> Subscription:
        """The subscription."""
        found = session.get(Subscription, subscription_id)
        if found is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"subscription {subscription_id} not found"
            )
        return found


SubscriptionAdmin = Annotated[Subscription, Depends(SubscriptionGuard())]


def check_url(url: str, http_allowed: bool) -> str:
    """An absolute http(s) URL without credentials; http only where allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "the URL must be http(s)://host/..."
        )
    if parts.scheme == "http" and not http_allowed:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "use https:// (plain http is off)"
        )
    if parts.username or parts.password:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "no credentials in the URL")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return url
    if address.is_unspecified or address.is_multicast:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "not a usable address")
    return url


def subscription_out(session: Session, found: Subscription) -> SubscriptionOut:
    """The response form of a subscription."""
    counts = dict(
        session.execute(
            select(Delivery.status, func.count(Delivery.id))
            .where(Delivery.subscription_id == found.id)
            .group_by(Delivery.status)
        ).all()
    )
    last = session.scalar(
        select(func.max(Delivery.delivered_at)).where(Delivery.subscription_id == found.id)
    )
    return SubscriptionOut(
        id=found.id,
        name=found.name,
        url=found.url,
        events=list(found.events),
        active=found.active,
        created_at=found.created_at,
        created_by=found.created_by,
        rotated_at=found.rotated_at,
        pending=int(counts.get("pending", 0)),
        dead=int(counts.get("dead", 0)),
        last_delivered_at=last,
    )


@router.get("/subscriptions", response_model=list[SubscriptionOut])
def list_subscriptions(admin: Administrator, session: SessionDep) -> list[SubscriptionOut]:
    """Every subscription."""
    return [
        subscription_out(session, s)
        for s in session.scalars(select(Subscription).order_by(Subscription.id))
    ]


@router.post("/subscriptions", response_model=SecretOut, status_code=status.HTTP_201_CREATED)
def create_subscription(
    body: SubscriptionIn, admin: Administrator, session: SessionDep, context: ContextDep
) -> SecretOut:
    """Register a subscriber; the answer holds its signing secret, shown only this once."""
    now = datetime.now(UTC)
    found = Subscription(
        name=body.name,
        url=check_url(body.url, context.settings.http_allowed),
        events=body.events,
        active=True,
        secret_nonce=new_nonce(),
        created_at=now,
        created_by=admin.name,
        updated_at=now,
    )
    session.add(found)
    session.commit()
    secret = subscriber_secret(context.settings.secret_key.get_secret_value(), found.secret_nonce)
    return SecretOut(subscription=subscription_out(session, found), secret=secret)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(found: SubscriptionAdmin, session: SessionDep) -> SubscriptionOut:
    """One subscription."""
    return subscription_out(session, found)


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def update_subscription(
    body: SubscriptionPatch, found: SubscriptionAdmin, session: SessionDep, context: ContextDep
) -> SubscriptionOut:
    """Change the name, URL, events, or pause and resume it (`active`)."""
    if body.url is not None:
        found.url = check_url(body.url, context.settings.http_allowed)
    if body.name is not None:
        found.name = body.name
    if body.events is not None:
        found.events = body.events
    if body.active is not None:
        found.active = body.active
    found.updated_at = datetime.now(UTC)
    session.commit()
    return subscription_out(session, found)


@router.delete("/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_subscription(found: SubscriptionAdmin, session: SessionDep) -> Response:
    """Remove the subscription and its deliveries."""
    session.delete(found)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/subscriptions/{subscription_id}/secret", response_model=SecretOut)
def rotate_secret(found: SubscriptionAdmin, session: SessionDep, context: ContextDep) -> SecretOut:
    """A new signing secret; the old one keeps signing beside it for the grace period."""
    found.previous_nonce, found.secret_nonce = found.secret_nonce, new_nonce()
    found.rotated_at = found.updated_at = datetime.now(UTC)
    session.commit()
    secret = subscriber_secret(context.settings.secret_key.get_secret_value(), found.secret_nonce)
    return SecretOut(subscription=subscription_out(session, found), secret=secret)


def delivery_out(delivery: Delivery, event: OutboxEvent) -> DeliveryOut:
    """The response form of a delivery."""
    return DeliveryOut(
        id=delivery.id,
        subscription_id=delivery.subscription_id,
        event_id=event.event_id,
        type=event.type,
        ordering_key=delivery.ordering_key,
        sequence=delivery.sequence,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_attempt_at=delivery.last_attempt_at,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
    )


@router.get("/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    *,
    admin: Administrator,
    session: SessionDep,
    response: Response,
    delivery_status: Annotated[
        str | None, Query(alias="status", pattern="^(pending|delivered|dead)$")
    ] = None,
    subscription_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[DeliveryOut]:
    """Deliveries, newest first: `status=dead` lists the dead letters."""
    query = select(Delivery, OutboxEvent).join(OutboxEvent, OutboxEvent.id == Delivery.outbox_id)
    count = select(func.count(Delivery.id))
    for column, value in (
        (Delivery.status, delivery_status),
        (Delivery.subscription_id, subscription_id),
    ):
        if value is not None:
            query, count = query.where(column == value), count.where(column == value)
    response.headers["X-Total-Count"] = str(session.scalar(count) or 0)
    rows = session.execute(query.order_by(Delivery.id.desc()).offset(offset).limit(limit)).all()
    return [delivery_out(delivery, event) for delivery, event in rows]


class DeliveryGuard(Guard):
    """Admins only; loads `{delivery_id}`."""

    action = Action.ADMINISTER

    def __call__(self, delivery_id: IdPath, admin: Administrator, session: SessionDep) -> Delivery:
        """The delivery."""
        found = session.get(Delivery, delivery_id)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"delivery {delivery_id} not found")
        return found


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryOut)
def retry_delivery(
    delivery: Annotated[Delivery, Depends(DeliveryGuard())], session: SessionDep
) -> DeliveryOut:
    """Send a dead (or pending) delivery again now, with a fresh set of retries."""
    if delivery.status == "delivered":
        raise HTTPException(status.HTTP_409_CONFLICT, "that delivery arrived already")
    now = datetime.now(UTC)
    delivery.status, delivery.attempts = "pending", 0
    delivery.next_attempt_at = delivery.created_at = now
    session.commit()
    return delivery_out(delivery, session.get(OutboxEvent, delivery.outbox_id) or delivery.event)
