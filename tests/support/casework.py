"""Seeding for the authorization sweeps: a case of the victim's home, a subscription, a delivery."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dampwatch_api.cases.models import Case
from dampwatch_api.webhooks.models import Delivery
from dampwatch_api.worker.loop import CaseworkWorker


def seed_casework(api: Any, home_id: str) -> dict[str, str]:
    """After the home has an open hazard alert: a webhook subscription (to a closed port) and one
    pass of the casework worker, which puts the alert on a case and tries its events once."""
    hook = {"name": "h", "url": "http://127.0.0.1:9/hook", "events": ["*"]}
    made = api.call("POST", "/v1/webhooks/subscriptions", "admin", json=hook)
    assert made.status_code == 201, made.text
    context = api.client.app.state.context
    worker = CaseworkWorker(context.settings, context.sessions)
    worker.run_once()
    worker.stop()
    with context.sessions() as session:
        case_id = session.scalars(select(Case.id).where(Case.home_id == home_id)).one()
        delivery_id = session.scalars(select(Delivery.id)).first()
    assert delivery_id is not None
    return {
        "case_id": str(case_id),
        "subscription_id": str(made.json()["subscription"]["id"]),
        "delivery_id": str(delivery_id),
    }
