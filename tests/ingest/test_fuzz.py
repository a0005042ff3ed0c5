"""Arbitrary bytes, JSON and topics never crash the ingest; every input is stored or rejected."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dampwatch.const import FIELD_RANGES, MAX_READINGS_PER_MESSAGE
from dampwatch.influx import V1LineWriter
from dampwatch.readings import parse_payload
from dampwatch_ingest.metrics import current
from dampwatch_ingest.pipeline import MessageDecoder
from dampwatch_ingest.registry import Registry
from tests.support.ingest import ThreadedIngest, wait_until

RETENTION_S = 396 * 86400
NOW = time.time()

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)
field_values = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from([None, True, "21.5", [], {}])
)
timestamps = (
    st.floats(min_value=NOW - 2 * RETENTION_S, max_value=NOW + 3600)
    | st.integers(min_value=int(NOW) - 1000, max_value=int(NOW) + 1000)
    | st.datetimes().map(lambda value: value.isoformat())
    | st.sampled_from(["2026-11-22T10:00:00Z", "not a time", ""])
)
readings = st.fixed_dictionaries(
    {"ts": timestamps},
    optional={name: field_values for name in FIELD_RANGES}
    | {"seq": st.integers(min_value=-5, max_value=2**64), "device": st.text(max_size=5)},
)
payloads = (
    st.binary(max_size=600)
    | json_values.map(lambda value: json.dumps(value).encode())
    | readings.map(lambda value: json.dumps(value).encode())
    | st.lists(readings | json_values, min_size=0, max_size=8).map(lambda v: json.dumps(v).encode())
)
topics = st.text(max_size=60) | st.builds(
    lambda home, device, leaf: f"dampwatch/v1/{home}/{device}/{leaf}",
    st.text(max_size=10),
    st.text(max_size=10),
    st.sampled_from(["reading", "status", "x"]),
)


def expected_elements(payload: bytes) -> int:
    """How many readings or rejections a payload must account for."""
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError):
        return 1
    if isinstance(document, list) and 0 < len(document) <= MAX_READINGS_PER_MESSAGE:
        return len(document)
    return 1


@given(topic=topics, payload=payloads)
@settings(max_examples=800, deadline=None)
def test_decoder_accounts_for_every_element(topic, payload):
    decoder = MessageDecoder(prefix="dampwatch/v1", source="fuzz", retention_s=RETENTION_S)
    decoded = decoder.decode(topic, payload)
    accounted = decoded.readings + sum(decoded.rejected.values())
    if decoded.rejected.get("bad_topic"):
        assert accounted == 1
    else:
        assert accounted == expected_elements(payload)
    assert len(decoded.lines) == accounted
    assert all("\n" not in line for line in decoded.lines)


@pytest.mark.servers
def test_every_line_the_decoder_makes_is_accepted_by_influxdb(make_settings):
    writer = V1LineWriter(make_settings())
    registry = Registry()
    registry.update("home", json.dumps({"rooms": {"dev": 'Room "1", \\ = ü\n'}}).encode())
    decoder = MessageDecoder(
        prefix="dampwatch/v1", source="fuzz", retention_s=RETENTION_S, registry=registry
    )

    @given(topic=topics | st.just("dampwatch/v1/home/dev/reading"), payload=payloads)
    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    def write_decoded(topic, payload):
        lines = decoder.decode(topic, payload).lines
        writer.write(lines)  # InfluxBadData here would mean an escaping bug

    try:
        write_decoded()
    finally:
        writer.close()


@pytest.mark.servers
@pytest.mark.slow
def test_published_garbage_is_stored_or_recorded(make_settings, influxql, publisher):
    counter = itertools.count()
    published = 0

    def outcome(device: str) -> tuple[int, int]:
        stored = influxql.rows(f"SELECT * FROM reading WHERE device = '{device}'")
        rejected = influxql.rows(f"SELECT raw FROM rejected WHERE device = '{device}'")
        return len(stored), len(rejected)

    def expectation(payload: bytes) -> tuple[int, int]:
        parsed = parse_payload(payload, now_s=time.time(), retention_s=RETENTION_S)
        # two readings of one device with the same timestamp are one point
        return len({reading.ts_ms for reading in parsed.readings}), len(parsed.rejections)

    with ThreadedIngest(make_settings()) as worker:

        @given(batch=st.lists(payloads, min_size=1, max_size=25))
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
        def publish_batch(batch):
            nonlocal published
            published += len(batch)
            sent = {f"fuzz-{next(counter)}": payload for payload in batch}
            publisher.publish_all(
                (f"dampwatch/v1/home/{device}/reading", payload) for device, payload in sent.items()
            )
            expected = {device: expectation(payload) for device, payload in sent.items()}
            wait_until(
                lambda: all(outcome(device) == expected[device] for device in sent),
                20,
                "every message stored or recorded as rejected",
            )

        publish_batch()
        assert current(worker.ingest.metrics.unrecorded) == 0
        assert current(worker.ingest.metrics.messages) == published
