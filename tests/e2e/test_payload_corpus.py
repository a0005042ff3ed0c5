"""Real malformed sensor output and generated payloads through the deployed broker and the ingest.

Each input goes to a device topic of its own, so its outcome can be read back: the readings
stored under that device plus the `rejected` records naming it must account for every element
of the input, as the contract's own `parse_payload` judges it, and the ingest must still be
running with a clean exit at the end. No input may end as `internal_error`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bench.soak_broker import DeployedBroker, home_wide_acl
from bench.soak_fleet import RETENTION_S
from bench.soak_stack import IngestWorker, ingest_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dampwatch.readings import parse_payload
from dampwatch_stack.servers import InfluxServer
from tests.e2e.mqtt_clients import BrokerAccess, Session, connect

CORPUS = Path(__file__).parent / "corpus" / "sensor_output.jsonl"
HOME = "fuzz"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one input: distinct readings stored and rejections by reason."""

    stored: int
    rejected: Counter[str]


def expected_outcome(payload: bytes) -> Outcome:
    """The contract's verdict: distinct valid timestamps stored, the rest rejected by reason."""
    parsed = parse_payload(payload, now_s=time.time(), retention_s=RETENTION_S)
    stored = len({reading.ts_ms for reading in parsed.readings})
    return Outcome(stored, Counter(rejection.reason.value for rejection in parsed.rejections))


def corpus_payloads(now_s: int) -> list[tuple[str, bytes]]:
    """The corpus file's entries with current timestamps filled in."""
    entries = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        entries.append((entry["name"], _materialise(entry, now_s)))
    return entries


def _materialise(entry: dict[str, object], now_s: int) -> bytes:
    generate, size = entry.get("generate"), int(str(entry.get("size", 0)))
    if generate == "deep":
        return b"[" * size + b"]" * size
    if generate == "array":
        readings = [{"ts": now_s - 3600 + i, "seq": i, "temperature_c": 20.0} for i in range(size)]
        return json.dumps(readings).encode()
    if generate == "padded":
        head = f'{{"ts": {now_s}, "temperature_c": 20.5, "note": "'.encode()
        return head + b"x" * (size - len(head) - 2) + b'"}'
    if "payload_hex" in entry:
        return bytes.fromhex(str(entry["payload_hex"]).replace(" ", ""))
    text = (
        str(entry["payload"])
        .replace("__TS2__", str(now_s - 90))
        .replace("__TS__", str(now_s - 60))
        .replace("__FUTURE__", str(now_s + 86400))
    )
    return text.encode(str(entry.get("encoding", "utf-8")))


@pytest.fixture(scope="module")
def pipeline(
    tmp_path_factory: pytest.TempPathFactory, influx_server: InfluxServer
) -> Iterator[tuple[Session, str]]:
    """The deployed broker, one ingest worker and a device session of home `fuzz`."""
    work = tmp_path_factory.mktemp("payloads")
    passwords = {HOME: "pw-fuzz", "dampwatch-ingest": "pw-ingest"}
    broker = DeployedBroker(work / "broker", passwords, tls=True, acl_extra=home_wide_acl([HOME]))
    broker.start()
    database = f"fuzz_{uuid.uuid4().hex[:10]}"
    influx_server.create_database(database)
    env = ingest_env(broker.port, passwords["dampwatch-ingest"], influx_server.url, database)
    env["DAMPWATCH_INGEST_BATCH_WAIT_S"] = "0.02"
    worker = IngestWorker(1, env, work / "ingest").start()
    assert broker.tls_port is not None
    access = BrokerAccess("file-acl", broker.tls_port, broker.port, broker.ca_path, passwords)
    try:
        worker.wait_connected()
        device = connect(access, HOME)
        yield device, database
        device.close()
        assert worker.alive(), f"the ingest died:\n{worker.log_tail()}"
        assert worker.stop() == 0, worker.log_tail()
        assert broker.running
    finally:
        worker.stop()
        broker.stop()


def _observed(influx: InfluxServer, database: str, device: str) -> Outcome:
    readings = influx.query(f"SELECT * FROM reading WHERE device = '{device}'", db=database)
    series = readings["results"][0].get("series") or []
    stored = sum(len(item["values"]) for item in series)
    rejected = influx.query(
        f"SELECT count(raw) FROM rejected WHERE device = '{device}' GROUP BY reason", db=database
    )
    counts: Counter[str] = Counter()
    for item in rejected["results"][0].get("series") or []:
        counts[item["tags"]["reason"]] += int(item["values"][0][1])
    return Outcome(stored, counts)


def _send_and_account(
    pipeline: tuple[Session, str], influx: InfluxServer, name: str, payload: bytes
) -> Outcome:
    device_session, database = pipeline
    device = f"in-{uuid.uuid4().hex[:12]}"
    expected = expected_outcome(payload)
    assert expected.stored + sum(expected.rejected.values()) > 0, name
    reason = device_session.publish(f"dampwatch/v1/{HOME}/{device}/reading", payload)
    assert not reason.is_failure, (name, reason)
    deadline = time.monotonic() + 15
    observed = _observed(influx, database, device)
    while observed != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        observed = _observed(influx, database, device)
    assert observed == expected, f"{name}: expected {expected}, InfluxDB holds {observed}"
    assert "internal_error" not in observed.rejected, name
    return observed


@pytest.mark.servers
@pytest.mark.slow
def test_every_corpus_input_is_stored_or_rejected_with_a_reason(
    pipeline: tuple[Session, str], influx_server: InfluxServer
) -> None:
    inputs = corpus_payloads(int(time.time()))
    totals = Outcome(0, Counter())
    for name, payload in inputs:
        outcome = _send_and_account(pipeline, influx_server, name, payload)
        totals = Outcome(totals.stored + outcome.stored, totals.rejected + outcome.rejected)
    by_name = dict(inputs)
    assert expected_outcome(by_name["NaN temperature"]).rejected  # never stored
    assert expected_outcome(by_name["1001 readings"]).rejected == {"too_large": 1}
    assert expected_outcome(by_name["256 KiB + 1 bytes"]).rejected == {"too_large": 1}
    assert expected_outcome(by_name["1000 readings (the limit)"]).stored == 1000
    assert totals.stored >= 1000 and set(totals.rejected) >= {"not_json", "schema", "too_large"}


_JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
_FIELD = st.sampled_from(["temperature_c", "humidity_pct", "battery_pct", "co2_ppm", "seq", "x"])
_VALUE = st.floats() | st.integers(-(10**6), 10**6) | st.none() | st.text(max_size=5)


@st.composite
def _readings(draw: st.DrawFn) -> object:
    ts = draw(st.integers(-600, 600)) + int(time.time()) - 1200
    reading = {"ts": ts} | draw(st.dictionaries(_FIELD, _VALUE, max_size=4))
    return reading


_PAYLOADS = st.one_of(
    st.binary(max_size=300),
    _JSON.map(lambda value: json.dumps(value).encode()),
    _readings().map(lambda value: json.dumps(value).encode()),
    st.lists(_readings(), min_size=1, max_size=30).map(lambda value: json.dumps(value).encode()),
)


@pytest.mark.servers
@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(payload=_PAYLOADS)
def test_generated_payloads_are_stored_or_rejected_with_a_reason(
    pipeline: tuple[Session, str], influx_server: InfluxServer, payload: bytes
) -> None:
    _send_and_account(pipeline, influx_server, repr(payload[:80]), payload)
