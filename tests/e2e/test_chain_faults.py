"""Devices → gateways and the deployed broker → ingest workers → InfluxDB, under faults.

About 500 simulated devices (a seeded cohort from dampwatch_sim) stream readings at 300 times
real time: three homes through real `dampwatch gateway` processes, each with the home's own
Mosquitto, the rest publishing contract v1 JSON with their home's credentials straight to the
broker running deploy/mosquitto/mosquitto.conf and its ACL, consumed by two `dampwatch ingest`
processes in one shared subscription group. The checker reads every reading back from InfluxDB
and classifies it as stored, lost or duplicated in storage.

What this proves: with QoS 1 publishers that resend unacknowledged messages, the ingest's
persistent session and ack-after-write, and the gateway's disk queue, a worker killed with
SIGKILL, InfluxDB stopped for 12 s (some 6,000 messages arrive meanwhile, beyond Mosquitto's
default queue of 1,000 per client) and a gateway's uplink cut for an hour of simulated time cost
no reading. A broker restart is tested on its own below: Mosquitto 2.0.11 (Debian's) restores
plain subscriptions of persistent sessions from its persistence file but not shared ones, so a
restart drops what arrives before the workers resubscribe; 2.1 with its persist-sqlite plugin
(built by `make setup`) keeps the shared group's sessions and loses nothing. A broker SIGKILL is
tested on 2.1 only: Mosquitto acknowledges a publisher before it persists the message, and 2.0
saves only every `autosave_interval` and on clean exit, so a crash loses what it acknowledged
since then; persist-sqlite with `flush_period` 0 (as deployed) commits after every loop pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bench.soak_checker import Verdict, check, settled
from bench.soak_faults import Monitor, kill_ingest, stop_influx
from bench.soak_fleet import Fleet, Ledger
from bench.soak_stack import SHARE_GROUP, Stack

from dampwatch_sim.cohort import build_cohort
from dampwatch_stack.mosquitto_build import MOSQUITTO_21_MISSING, MosquittoBuild, find_mosquitto_21
from dampwatch_stack.servers import InfluxServer, MosquittoServer

SPEED = 300.0  # simulated seconds per real second: an hour of readings every 12 s
STREAM_S = 46.0
# When each fault begins, in real seconds from the start of the stream; each has ended before
# the next begins, and the last before the stream ends.
KILL_AT_S, INFLUX_AT_S, CUT_AT_S = 5.0, 9.0, 28.0
INFLUX_DOWN_S = 12.0
MALFORMED_EVERY = 40  # one malformed message after every 40 reading messages of a direct home
HOMES = 100


@pytest.fixture
def make_stack(
    tmp_path: Path,
    influx_factory: Callable[..., InfluxServer],
    mosquitto_factory: Callable[..., MosquittoServer],
) -> Iterator[Callable[..., Stack]]:
    """Start a chain on this test's own InfluxDB (the tests stop it); stopped afterwards."""
    stacks: list[Stack] = []

    def factory(homes: int, **options: object) -> Stack:
        cohort = build_cohort(homes=homes, days=1, seed=11, mix="healthy=0.6,damp=0.3,cold=0.1")
        chain = Stack(
            tmp_path / f"stack-{len(stacks)}",
            cohort,
            influx=influx_factory(),
            local_broker=lambda data_dir: mosquitto_factory(data_dir=data_dir),
            **options,  # type: ignore[arg-type]
        )
        stacks.append(chain)
        chain.start()
        return chain

    yield factory
    for chain in stacks:
        chain.stop()


def _last_stored_ms(stack: Stack, home_id: str) -> int:
    assert stack.influx is not None
    result = stack.influx.query(
        f"SELECT last(seq) FROM reading WHERE home = '{home_id}'", db=stack.database
    )
    series = result["results"][0].get("series")
    return int(series[0]["values"][0][0]) if series else 0


def _at(monitor: Monitor, seconds: float) -> None:
    time.sleep(max(0.0, seconds - monitor.elapsed()))


def _settle(stack: Stack, ledger: Ledger, timeout: float) -> None:
    """Wait until InfluxDB holds every reading sent and every rejection, or the timeout passes."""
    assert stack.influx is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if settled(stack.influx, stack.database, ledger):
            return
        time.sleep(0.5)


def _verdict(stack: Stack, ledger: Ledger) -> Verdict:
    assert stack.influx is not None
    homes = [home.home_id for home in stack.cohort.homes]
    return check(stack.influx, stack.database, ledger, homes)


@pytest.mark.servers
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_every_reading_is_stored_exactly_once_through_faults(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack(HOMES, gateway_homes=3, workers=2)
    assert sum(len(stack.cohort.rooms_of(h.home_id)) for h in stack.cohort.homes) >= 500
    ledger = Ledger()
    gateway = stack.gateways[0]
    behind_gateways = {node.home_id for node in stack.gateways}
    fleet = Fleet(
        stack.cohort,
        stack.routes(),
        ledger,
        speed=SPEED,
        client_prefix="e2e-dev",
        malformed_every=MALFORMED_EVERY,
        malformed_homes=frozenset(
            home.home_id for home in stack.cohort.homes if home.home_id not in behind_gateways
        ),
    )
    monitor = Monitor(stack, ledger)
    last_before_restore: list[int] = []

    def cut_for_an_hour() -> None:
        gateway.link.cut()
        time.sleep(3600 / SPEED)
        last_before_restore.append(_last_stored_ms(stack, gateway.home_id))
        gateway.link.restore()

    try:
        monitor.start()
        fleet.start(STREAM_S)
        _at(monitor, KILL_AT_S)
        monitor.inject("ingest worker SIGKILL", lambda: kill_ingest(stack, 0, down_s=2))
        _at(monitor, INFLUX_AT_S)
        monitor.inject(
            f"InfluxDB stopped {INFLUX_DOWN_S:.0f} s", lambda: stop_influx(stack, INFLUX_DOWN_S)
        )
        _at(monitor, CUT_AT_S)
        monitor.inject("gateway uplink cut 1 h simulated", cut_for_an_hour)
        assert fleet.join(STREAM_S + 30), "the device stream did not end"
        assert fleet.wait_acknowledged(30) == 0, "devices still hold unacknowledged readings"
        assert monitor.wait_drained(60), f"not drained: {monitor.faults}"
        _settle(stack, ledger, 30)
    finally:
        fleet.close()
        monitor.stop()

    verdict = _verdict(stack, ledger)
    assert verdict.ok, verdict.summary()
    assert verdict.stored == ledger.distinct() > 20_000, verdict.summary()
    # Malformed sensor output amid the faults: every kind rejected with its reason and recorded.
    assert len(verdict.rejected_expected) >= 5 and not verdict.unrecorded, verdict.summary()
    # each fault really happened and was felt
    assert stack.ingest[0].kills == 1 and stack.ingest[0].alive()
    assert monitor.backlog_max > 0, "the ingest never held messages while InfluxDB was down"
    sent_by_cut_home = [ts for home, _device, ts in ledger.snapshot() if home == gateway.home_id]
    assert last_before_restore and max(sent_by_cut_home) > last_before_restore[0] + 1_800_000, (
        "the gateway's home had nothing waiting behind the cut uplink"
    )


def _restart_broker_while_workers_are_away(
    stack: Stack, *, crash_after_stream: bool = False
) -> tuple[Ledger, Verdict]:
    """Stop the workers (their sessions stay), restart the broker, stream, start the workers.

    With crash_after_stream the broker is also killed with SIGKILL once it has acknowledged
    every reading, and started again, before the workers return.
    """
    assert stack.broker is not None
    for worker in stack.ingest:
        worker.stop()
    stack.broker.restart()
    ledger = Ledger()
    fleet = Fleet(stack.cohort, stack.routes(), ledger, speed=SPEED * 2, client_prefix="e2e-dev")
    try:
        fleet.start(5)
        assert fleet.join(30)
        assert fleet.wait_acknowledged(20) == 0, "the broker did not acknowledge every reading"
    finally:
        fleet.close()
    if crash_after_stream:
        stack.broker.kill()
        stack.broker.start()
    for worker in stack.ingest:
        worker.start()
    for worker in stack.ingest:
        worker.wait_connected()
    _settle(stack, ledger, 8)
    return ledger, _verdict(stack, ledger)


MOSQUITTO_21 = find_mosquitto_21()
# The same test body on Debian's broker (a documented, strict failure) and on 2.1 + persist-sqlite.
BROKERS = [
    pytest.param(
        None,
        id="2.0",
        marks=pytest.mark.xfail(
            strict=True,
            reason="Mosquitto 2.0.11 does not restore shared subscriptions from its persistence "
            "file: after a restart, readings that arrive before the workers resubscribe have no "
            "subscriber and are dropped while the publisher still gets its PUBACK",
        ),
    ),
    pytest.param(
        MOSQUITTO_21,
        id="2.1",
        marks=pytest.mark.skipif(MOSQUITTO_21 is None, reason=MOSQUITTO_21_MISSING),
    ),
]


@pytest.mark.servers
@pytest.mark.slow
def test_a_broker_restart_keeps_a_plain_subscription_session(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack(12, gateway_homes=0, workers=1, share_group=None)
    ledger, verdict = _restart_broker_while_workers_are_away(stack)
    assert verdict.ok, verdict.summary()
    assert verdict.stored == ledger.distinct() > 500


@pytest.mark.servers
@pytest.mark.slow
@pytest.mark.parametrize("broker_build", BROKERS)
def test_a_broker_restart_keeps_shared_subscription_sessions(
    make_stack: Callable[..., Stack], broker_build: MosquittoBuild | None
) -> None:
    stack = make_stack(
        12, gateway_homes=0, workers=2, share_group=SHARE_GROUP, broker_build=broker_build
    )
    assert stack.broker is not None
    version = "2.1.2" if broker_build is not None else "2.0.11"
    assert f"mosquitto version {version} running" in stack.broker.log_text()
    ledger, verdict = _restart_broker_while_workers_are_away(stack)
    assert verdict.ok, verdict.summary()
    assert verdict.stored == ledger.distinct() > 500


@pytest.mark.servers
@pytest.mark.slow
@pytest.mark.skipif(MOSQUITTO_21 is None, reason=MOSQUITTO_21_MISSING)
def test_a_broker_crash_keeps_what_it_acknowledged_on_2_1_with_persist_sqlite(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack(
        12, gateway_homes=0, workers=2, share_group=SHARE_GROUP, broker_build=MOSQUITTO_21
    )
    ledger, verdict = _restart_broker_while_workers_are_away(stack, crash_after_stream=True)
    assert verdict.ok, verdict.summary()
    assert verdict.stored == ledger.distinct() > 500
