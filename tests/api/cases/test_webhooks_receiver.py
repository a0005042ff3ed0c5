"""Webhooks against a real receiver on loopback, on a clock the test moves.

The receiver is down for ten minutes of simulated time while cases change, then comes back:
every event arrives, once, signed and fresh, in order per case; the overdue and escalation of an
emergency follow a day later. A subscriber that keeps failing gets dead letters, which admins
see and send again; a rotated secret keeps signing beside the new one for its grace period.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from dampwatch.assessment.kinds import AlertKind, Severity
from dampwatch_api.webhooks.models import Delivery, OutboxEvent
from dampwatch_api.worker.loop import CaseworkWorker
from tests.api.cases.conftest import Clock, free_port, raise_alert, worker
from tests.api.cases.receiver import Receiver, dump
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api

NOW = datetime.now(UTC)
STEP_S = 30


def _subscribe(api: Api, receiver: Receiver, events: list[str] | None = None) -> dict[str, Any]:
    body = {"name": "housing system", "url": receiver.url, "events": events or ["*"]}
    made = api.call("POST", "/v1/webhooks/subscriptions", "admin", json=body)
    assert made.status_code == 201, made.text
    receiver.secret = made.json()["secret"]
    assert receiver.secret.startswith("whsec_")
    return dict(made.json()["subscription"])


def _case_id(api: Api, home: str, who: str) -> int:
    return int(api.call("GET", f"/v1/cases?home_id={home}", who).json()[0]["id"])


def _step(api: Api, case_id: int, who: str = "officer-north", **body: Any) -> None:
    made = api.call("POST", f"/v1/cases/{case_id}/steps", who, json=body)
    assert made.status_code == 201, made.text


def _rows(api: Api, model: Any, *where: Any) -> int:
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        return int(session.scalar(select(func.count(model.id)).where(*where)) or 0)


def _event_ids(api: Api) -> set[str]:
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        return set(session.scalars(select(OutboxEvent.event_id)))


def _drain(api: Api, runner: CaseworkWorker, clock: Clock, passes: int = 300) -> None:
    """Pass after pass, STEP_S apart, until nothing waits to be delivered."""
    for _ in range(passes):
        runner.run_once()
        if _rows(api, Delivery, Delivery.status == "pending") == 0:
            return
        clock.advance(seconds=STEP_S)
    raise AssertionError("deliveries still pending")


def _changes_during_the_outage(api: Api, north: int, clock: Clock) -> None:
    _step(api, north, kind="summary_sent", method="letter")
    _step(api, north, kind="preventative_steps", text="Loft survey booked.")
    alerts = api.call("GET", f"/v1/alerts?home_id={HOME_NORTH}", "officer-north").json()
    resolved = api.call(
        "POST", f"/v1/alerts/{alerts[0]['id']}/resolve", "officer-north", json={"reason": "fixed"}
    )
    assert resolved.status_code == 200, resolved.text
    raise_alert(
        api, HOME_SOUTH, "kitchen", AlertKind.CONDENSATION_RISK, Severity.EMERGENCY, clock.now
    )
    raise_alert(api, HOME_SOUTH, "", AlertKind.BATTERY_LOW, Severity.LOW, clock.now)


def test_a_receiver_down_for_ten_minutes_gets_every_event_once_and_in_order(capi: Api) -> None:
    clock = Clock()
    receiver = Receiver(free_port(), clock=lambda: clock().timestamp())
    _subscribe(capi, receiver)
    receiver.start()
    runner = worker(capi, clock)
    raise_alert(capi, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, NOW)
    raise_alert(capi, HOME_SOUTH, "kitchen", AlertKind.CONDENSATION_RISK, Severity.HIGH, NOW)
    runner.run_once()
    north = _case_id(capi, HOME_NORTH, "officer-north")
    _step(
        capi,
        north,
        kind="investigation",
        outcome="significant",
        further_work=True,
        text="Mould behind the bath panel.",
    )
    _step(capi, north, kind="made_safe", text="Panel removed, mould treated.")
    _drain(capi, runner, clock)
    before = len(receiver.processed)
    assert before == len(_event_ids(capi)) > 8, dump(receiver)

    receiver.stop()
    outage_ends = clock.now + timedelta(minutes=10)
    _changes_during_the_outage(capi, north, clock)
    while clock.now < outage_ends:
        runner.run_once()
        clock.advance(seconds=STEP_S)
    assert len(receiver.processed) == before, "nothing arrives while the receiver is down"
    failed = _rows(capi, Delivery, Delivery.status == "pending", Delivery.attempts >= 3)
    assert failed > 0, "the worker kept trying, backing off"
    receiver.start()
    _drain(capi, runner, clock)
    # A day later the emergency is overdue: escalated, and the receiver hears of both.
    clock.advance(hours=25)
    _drain(capi, runner, clock)
    _step(capi, north, kind="closed", text="All done.", with_outstanding=True)
    _drain(capi, runner, clock)

    sent = _event_ids(capi)
    assert set(receiver.processed) == sent, dump(receiver)
    assert len(receiver.arrivals) == len(sent), "no event arrived twice"
    assert all(a.signature_ok and a.fresh for a in receiver.arrivals)
    types = {event["type"].removeprefix("dampwatch.") for event in receiver.processed.values()}
    assert types >= {
        "alert.raised",
        "alert.escalated",
        "alert.cleared",
        "case.opened",
        "case.step_due",
        "case.step_recorded",
        "case.overdue",
        "case.escalated",
        "case.resolved",
    }
    for key, sequence in receiver.in_order().items():
        assert sequence == list(range(1, len(sequence) + 1)), (key, sequence)
    assert _rows(capi, Delivery, Delivery.status != "delivered") == 0


def test_dead_letters_are_shown_to_admins_and_sent_again(sqlite_api: Api) -> None:
    clock = Clock()
    receiver = Receiver(free_port(), clock=lambda: clock().timestamp(), answer=500)
    subscription = _subscribe(sqlite_api, receiver, ["alert.*"])
    receiver.start()
    runner = worker(sqlite_api, clock, webhook_max_attempts=3)
    raise_alert(sqlite_api, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, NOW)
    for _ in range(40):
        runner.run_once()
        clock.advance(seconds=STEP_S)
    dead = sqlite_api.call("GET", "/v1/webhooks/deliveries?status=dead", "admin")
    assert dead.status_code == 200 and dead.headers["X-Total-Count"] == "1", dead.text
    letter = dead.json()[0]
    assert letter["attempts"] == 3 and letter["last_status"] == 500
    assert letter["type"] == "dampwatch.alert.raised", "only the events subscribed to"
    shown = sqlite_api.call("GET", f"/v1/webhooks/subscriptions/{subscription['id']}", "admin")
    assert shown.json()["dead"] == 1
    for who in ("officer-north", "tenant-north"):
        assert sqlite_api.call("GET", "/v1/webhooks/deliveries", who).status_code == 403
    receiver.answer = 204
    retry = sqlite_api.call("POST", f"/v1/webhooks/deliveries/{letter['id']}/retry", "admin")
    assert retry.status_code == 200 and retry.json()["status"] == "pending"
    runner.run_once()
    assert letter["event_id"] in receiver.processed
    again = sqlite_api.call("POST", f"/v1/webhooks/deliveries/{letter['id']}/retry", "admin")
    assert again.status_code == 409


def test_a_rotated_secret_signs_beside_the_old_one_for_its_grace(sqlite_api: Api) -> None:
    clock = Clock()
    receiver = Receiver(free_port(), clock=lambda: clock().timestamp())
    subscription = _subscribe(sqlite_api, receiver)
    old = receiver.secret
    rotated = sqlite_api.call(
        "POST", f"/v1/webhooks/subscriptions/{subscription['id']}/secret", "admin"
    )
    assert rotated.status_code == 200 and rotated.json()["secret"] != old
    receiver.start()
    runner = worker(sqlite_api, clock)
    raise_alert(sqlite_api, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, NOW)
    runner.run_once()
    assert receiver.arrivals and all(a.signature_ok for a in receiver.arrivals), "old secret"
    receiver.secret = rotated.json()["secret"]
    raise_alert(sqlite_api, HOME_SOUTH, "kitchen", AlertKind.MOULD_RISK, Severity.HIGH, NOW)
    runner.run_once()
    assert all(a.signature_ok for a in receiver.arrivals[-2:]), "new secret"
    clock.advance(days=2)  # past the grace: only the new secret signs
    receiver.secret = old
    raise_alert(sqlite_api, HOME_SOUTH, "bedroom", AlertKind.COLD_HOME, Severity.LOW, NOW)
    runner.run_once()
    assert not receiver.arrivals[-1].signature_ok


def test_subscriptions_refuse_unknown_events_and_unsafe_urls(sqlite_api: Api) -> None:
    for body in (
        {"name": "x", "url": "http://127.0.0.1:9/h", "events": ["case.exploded"]},
        {"name": "x", "url": "ftp://127.0.0.1/h", "events": ["*"]},
        {"name": "x", "url": "https://user:pw@example.org/h", "events": ["*"]},
        {"name": "x", "url": "http://127.0.0.1:9/h", "events": []},
    ):
        made = sqlite_api.call("POST", "/v1/webhooks/subscriptions", "admin", json=body)
        assert made.status_code == 422, (body, made.text)
    body = {"name": "x", "url": "https://example.org/h", "events": ["case.*"]}
    assert (
        sqlite_api.call(
            "POST", "/v1/webhooks/subscriptions", "officer-north", json=body
        ).status_code
        == 403
    )
