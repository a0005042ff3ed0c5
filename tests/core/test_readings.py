"""The reading payload of contract v1: what is stored, what is rejected and why."""

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dampwatch.const import FIELD_RANGES, MAX_PAYLOAD_BYTES, RejectReason
from dampwatch.readings import Reading, _fast_valid, parse_payload, validate_reading

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC).timestamp()
RETENTION_S = 396 * 86400


def parse(document, now=NOW):
    payload = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_payload(payload, now_s=now, retention_s=RETENTION_S)


def reasons(parsed):
    return [rejection.reason for rejection in parsed.rejections]


def test_single_reading_with_rfc3339_timestamp():
    parsed = parse({"ts": "2026-11-22T11:59:00+01:00", "temperature_c": 19.5, "humidity_pct": 71})
    (reading,) = parsed.readings
    assert reading.ts_ms == int(datetime(2026, 11, 22, 10, 59, tzinfo=UTC).timestamp() * 1000)
    assert reading.humidity_pct == 71.0
    assert parsed.rejections == []


@pytest.mark.parametrize(
    ("ts", "expected_ms"),
    [
        (1_795_000_000, 1_795_000_000_000),
        (1_795_000_000.123, 1_795_000_000_123),
        ("2026-11-22T11:00:00.123456Z", 1_795_345_200_123),
        ("2026-11-22T11:00:00Z", 1_795_345_200_000),
    ],
)
def test_timestamps_to_milliseconds(ts, expected_ms):
    (reading,) = parse({"ts": ts, "temperature_c": 20}).readings
    assert reading.ts_ms == expected_ms


def test_array_keeps_valid_and_rejects_invalid_elements_on_their_own():
    parsed = parse(
        [
            {"ts": NOW - 60, "temperature_c": 20.1, "seq": 1},
            {"ts": NOW - 30, "temperature_c": 120.0, "seq": 2},
            "not a reading",
            {"ts": NOW, "humidity_pct": 55, "seq": 3},
        ]
    )
    assert [reading.seq for reading in parsed.readings] == [1, 3]
    assert reasons(parsed) == [RejectReason.RANGE, RejectReason.SCHEMA]
    assert [rejection.index for rejection in parsed.rejections] == [1, 2]
    assert b"120.0" in parsed.rejections[0].raw


def test_unknown_keys_are_ignored_and_identity_keys_do_not_count():
    parsed = parse({"ts": NOW, "temperature_c": 20, "device": "other", "home": "x", "note": [1]})
    (reading,) = parsed.readings
    assert not hasattr(reading, "device")
    assert reading.values == {"temperature_c": 20.0}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", RejectReason.NOT_JSON),
        (b"\xff\xfe\x00garbage", RejectReason.NOT_JSON),
        (b"", RejectReason.NOT_JSON),
        (b"[" * 150_000 + b"]" * 150_000, RejectReason.TOO_LARGE),
        (b"[" * 50_000 + b"]" * 50_000, RejectReason.NOT_JSON),
        (b"42", RejectReason.SCHEMA),
        (b"[]", RejectReason.SCHEMA),
        (b"x" * (MAX_PAYLOAD_BYTES + 1), RejectReason.TOO_LARGE),
    ],
)
def test_message_level_rejections(payload, reason):
    parsed = parse(payload)
    assert parsed.readings == []
    assert reasons(parsed) == [reason]
    assert parsed.rejections[0].index is None
    assert len(parsed.rejections[0].raw) <= 1024


def test_too_many_readings_in_one_message():
    parsed = parse([{"ts": NOW, "temperature_c": 20}] * 1001)
    assert reasons(parsed) == [RejectReason.TOO_LARGE]
    assert len(parse([{"ts": NOW, "temperature_c": 20}] * 1000).readings) == 1000


@pytest.mark.parametrize(
    ("reading", "reason"),
    [
        ({"temperature_c": 20}, RejectReason.SCHEMA),
        ({"ts": NOW}, RejectReason.SCHEMA),
        ({"ts": NOW, "temperature_c": "20.5"}, RejectReason.SCHEMA),
        ({"ts": NOW, "temperature_c": True}, RejectReason.SCHEMA),
        ({"ts": NOW, "temperature_c": None}, RejectReason.SCHEMA),
        ({"ts": "2026-11-22 12:00:00", "temperature_c": 20}, RejectReason.SCHEMA),
        ({"ts": "yesterday", "temperature_c": 20}, RejectReason.SCHEMA),
        ({"ts": True, "temperature_c": 20}, RejectReason.SCHEMA),
        ({"ts": 1e306, "temperature_c": 20}, RejectReason.SCHEMA),
        ({"ts": NOW, "temperature_c": 20, "seq": -1}, RejectReason.RANGE),
        ({"ts": NOW, "temperature_c": 20, "seq": 1.5}, RejectReason.SCHEMA),
        ({"ts": NOW, "temperature_c": 20, "seq": 2**64}, RejectReason.RANGE),
        ({"ts": NOW, "temperature_c": -40.1}, RejectReason.RANGE),
        ({"ts": NOW, "temperature_c": 85.1}, RejectReason.RANGE),
        ({"ts": NOW, "humidity_pct": 100.5}, RejectReason.RANGE),
        ({"ts": NOW, "humidity_pct": 50, "battery_pct": 101}, RejectReason.RANGE),
        ({"ts": NOW, "humidity_pct": 50, "battery_mv": 5001}, RejectReason.RANGE),
        ({"ts": NOW, "humidity_pct": 50, "rssi_dbm": 3}, RejectReason.RANGE),
        ({"ts": NOW, "humidity_pct": 50, "co2_ppm": 10001}, RejectReason.RANGE),
        ({"ts": NOW, "humidity_pct": 50, "surface_temperature_c": -41}, RejectReason.RANGE),
        ({"ts": NOW, "humidity_pct": 50, "pressure_hpa": 299}, RejectReason.RANGE),
        ({"ts": NOW, "temperature_c": 10**400}, RejectReason.RANGE),
        ({"ts": NOW + 301, "temperature_c": 20}, RejectReason.FUTURE_TS),
        ({"ts": NOW - RETENTION_S - 1, "temperature_c": 20}, RejectReason.STALE_TS),
        ({"ts": "1970-01-01T00:00:00Z", "temperature_c": 20}, RejectReason.STALE_TS),
    ],
)
def test_reading_rejections(reading, reason):
    parsed = parse(reading)
    assert parsed.readings == []
    assert reasons(parsed) == [reason]
    assert parsed.rejections[0].detail


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_non_finite_numbers_are_out_of_range(token):
    parsed = parse(b'{"ts": %d, "temperature_c": %s}' % (int(NOW), token))
    assert reasons(parsed) == [RejectReason.RANGE]


def test_non_finite_timestamp_is_a_schema_error():
    parsed = parse(b'{"ts": NaN, "temperature_c": 20}')
    assert reasons(parsed) == [RejectReason.SCHEMA]


def test_a_little_ahead_of_the_clock_is_accepted():
    assert len(parse({"ts": NOW + 299, "temperature_c": 20}).readings) == 1


json_values = (
    st.none()
    | st.booleans()
    | st.text(max_size=30)
    | st.sampled_from([float("nan"), float("inf"), -float("inf"), 10**400, -(2**70)])
    | st.integers(min_value=-200, max_value=6000)
    | st.floats(min_value=-200, max_value=12000)
)
elements = st.fixed_dictionaries(
    {},
    optional={
        "ts": json_values
        | st.floats(min_value=NOW - 2 * RETENTION_S, max_value=NOW + 1000)
        | st.integers(min_value=int(NOW) - RETENTION_S - 10, max_value=int(NOW) + 400)
        | st.datetimes(timezones=st.timezones()).map(lambda value: value.isoformat()),
        "seq": json_values | st.integers(min_value=-3, max_value=2**64),
        **{name: json_values for name in FIELD_RANGES},
    },
)


@given(element=elements)
@settings(max_examples=2000, deadline=None)  # agreement, not speed: no per-example deadline
def test_fast_path_agrees_with_the_model(element):
    fast = _fast_valid(element, NOW, RETENTION_S)
    if fast is None:
        return
    try:
        model = Reading.model_validate(element)
    except ValidationError as error:
        raise AssertionError(f"fast path accepted what the model rejects: {error}") from None
    assert fast == model.valid()
    assert NOW - RETENTION_S <= fast.ts_ms / 1000 <= NOW + 300


@given(element=elements)
@settings(max_examples=1000, deadline=None)
def test_every_element_is_a_reading_or_a_reasoned_rejection(element):
    outcome = validate_reading(element, now_s=NOW, retention_s=RETENTION_S)
    if isinstance(outcome, tuple):
        reason, detail = outcome
        assert isinstance(reason, RejectReason) and detail
    else:
        assert outcome.temperature_c is not None or outcome.humidity_pct is not None


def test_reading_model_is_the_contract():
    reading = Reading.model_validate({"ts": NOW, "temperature_c": 21, "co2_ppm": 800, "seq": 7})
    assert reading.measurements() == {"temperature_c": 21.0, "co2_ppm": 800.0}
    assert reading.seq == 7
