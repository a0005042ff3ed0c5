"""`kill -9` of the delivering process mid-delivery loses no event and delivers none twice over.

`dampwatch casework` runs as a real process. The receiver holds one request open; the test
kills the process with SIGKILL while it waits for the answer, then lets the receiver answer into
the void. The delivery is still pending in the database. A new process takes the lease over once
the old one's runs out and sends that event again with the same `webhook-id`: the receiver
recognises the id and acknowledges it without doing it twice. Every other event arrives once,
in order per case, signed (checked here with the standardwebhooks package too).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bench.procs import clean_env
from sqlalchemy import func, select
from standardwebhooks import Webhook

from dampwatch.assessment.kinds import AlertKind, Severity
from dampwatch_api.webhooks.models import Delivery, OutboxEvent
from tests.api.cases.conftest import free_port, raise_alert
from tests.api.cases.receiver import Receiver, dump
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api

pytestmark = pytest.mark.slow
HELD = "dampwatch.case.step_recorded"
LEASE_TTL_S = 2


@contextmanager
def casework_process(api: Api, tmp_path: Path, name: str) -> Iterator[subprocess.Popen[bytes]]:
    """`dampwatch casework` on the API's database, with quick polls, retries and lease."""
    env = clean_env(
        {
            "DAMPWATCH_DATABASE_URL": str(api.settings.database_url),
            "DAMPWATCH_DATA_DIR": str(tmp_path / name),
            "DAMPWATCH_SECRET_KEY": api.settings.secret_key.get_secret_value(),
            "DAMPWATCH_CASEWORK_POLL_S": "0.2",
            "DAMPWATCH_CASEWORK_LEASE_TTL_S": str(LEASE_TTL_S),
            "DAMPWATCH_WEBHOOK_BACKOFF_BASE_S": "0.2",
            "DAMPWATCH_WEBHOOK_BACKOFF_MAX_S": "1",
            "DAMPWATCH_WEBHOOK_TIMEOUT_S": "60",
        }
    )
    with (tmp_path / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "dampwatch.cli", "casework"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _count(api: Api, *where: object) -> int:
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        return int(session.scalar(select(func.count(Delivery.id)).where(*where)) or 0)


def _event_ids(api: Api) -> set[str]:
    context = api.client.app.state.context  # type: ignore[attr-defined]
    with context.sessions() as session:
        return set(session.scalars(select(OutboxEvent.event_id)))


def _wait(condition: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_kill_9_mid_delivery_loses_nothing(capi: Api, tmp_path: Path) -> None:
    receiver = Receiver(free_port(), hold_type=HELD)
    body = {"name": "repairs system", "url": receiver.url, "events": ["*"]}
    made = capi.call("POST", "/v1/webhooks/subscriptions", "admin", json=body)
    receiver.secret = made.json()["secret"]
    receiver.start()
    now = datetime.now(UTC)
    raise_alert(capi, HOME_NORTH, "bathroom", AlertKind.MOULD_RISK, Severity.HIGH, now)
    raise_alert(capi, HOME_SOUTH, "kitchen", AlertKind.CONDENSATION_RISK, Severity.HIGH, now)
    with casework_process(capi, tmp_path, "first") as first:
        _wait(lambda: len(capi.call("GET", "/v1/cases", "admin").json()) == 2, 30, "the cases")
        case_id = capi.call("GET", f"/v1/cases?home_id={HOME_NORTH}", "admin").json()[0]["id"]
        step = {"kind": "investigation", "outcome": "significant", "further_work": True}
        assert (
            capi.call("POST", f"/v1/cases/{case_id}/steps", "admin", json=step).status_code == 201
        )
        _wait(receiver.held.is_set, 30, "the held delivery")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    receiver.release.set()
    assert _count(capi, Delivery.status == "pending") > 0, "the interrupted delivery is kept"
    # More changes while no worker runs.
    made_safe = {"kind": "made_safe", "text": "Mould treated."}
    assert (
        capi.call("POST", f"/v1/cases/{case_id}/steps", "admin", json=made_safe).status_code == 201
    )
    with casework_process(capi, tmp_path, "second") as second:
        _wait(lambda: _count(capi, Delivery.status != "delivered") == 0, 60, "every delivery")
        sent = _event_ids(capi)
        _wait(lambda: set(receiver.processed) == sent, 10, "the receiver to process all")
        second.send_signal(signal.SIGTERM)
        assert second.wait(15) == 0
    repeated = [a.event_id for a in receiver.arrivals]
    twice = {event_id for event_id in repeated if repeated.count(event_id) > 1}
    assert len(twice) == 1 and len(repeated) == len(sent) + 1, dump(receiver)
    assert receiver.processed[twice.pop()]["type"] == HELD
    assert all(a.signature_ok and a.fresh for a in receiver.arrivals)
    for arrival in receiver.arrivals:
        Webhook(receiver.secret).verify(arrival.body, arrival.headers)
    for key, sequence in receiver.in_order().items():
        assert sequence == list(range(1, len(sequence) + 1)), (key, sequence)
