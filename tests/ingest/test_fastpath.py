"""The decode fast path stores the reference path's lines exactly, or leaves the message to it."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dampwatch.const import FIELD_RANGES
from dampwatch.fastlines import fast_lines
from dampwatch.lineprotocol import derived_fields, derived_text, reading_line_in, reading_series
from dampwatch.readings import parse_payload
from dampwatch_gateway.forwarder import reading_payload
from dampwatch_ingest.pipeline import Decoded, MessageDecoder
from tests.gateway.test_ble_decoders import HCI_CAPTURES
from tests.gateway.test_broker_decoders import TASMOTA, Z2M

RETENTION_S = 396 * 86400
NOW = time.time()
TOPIC = "dampwatch/v1/home-1/dev-1/reading"
SERIES = reading_series("home-1", "dev-1")


def _decoder(fast_path: bool) -> MessageDecoder:
    return MessageDecoder(
        prefix="dampwatch/v1", source="test", retention_s=RETENTION_S, fast_path=fast_path
    )


def _comparable(decoded: Decoded) -> tuple[object, ...]:
    """What a decode stores and counts; a `rejected` line's receive time differs by design."""
    lines = [
        line.rsplit(" ", 1)[0] if line.startswith("rejected,") else line for line in decoded.lines
    ]
    return (lines, decoded.readings, decoded.rejected, decoded.seqs, decoded.device_key)


def _both(topic: str, payload: bytes) -> tuple[tuple[object, ...], tuple[object, ...]]:
    fast = _decoder(True).decode(topic, payload, now_s=NOW)
    reference = _decoder(False).decode(topic, payload, now_s=NOW)
    return _comparable(fast), _comparable(reference)


def _reference_lines(payload: bytes) -> list[str]:
    parsed = parse_payload(payload, now_s=NOW, retention_s=RETENTION_S)
    assert not parsed.rejections
    return [reading_line_in(SERIES, reading) for reading in parsed.readings]


# The gateway's decoded values of the real sensor payloads in the reference material.
SAMPLE_VALUES: list[dict[str, float]] = [
    *(values for _, values in Z2M),
    *(values for _, sensors in TASMOTA for _, values in sensors),
    *(
        {"temperature_c": t, "humidity_pct": h, "battery_pct": b, "battery_mv": mv}
        | ({} if rssi is None else {"rssi_dbm": rssi})
        for _, _, _, t, h, b, mv, _, rssi in HCI_CAPTURES
    ),
]


def _timestamps(offset_s: float) -> list[object]:
    moment = datetime.fromtimestamp(NOW - offset_s, UTC)
    return [
        round(NOW - offset_s, 3),
        int(NOW - offset_s),
        moment.isoformat(),
        moment.isoformat().replace("+00:00", "Z"),
        moment.astimezone(timezone(timedelta(hours=1))).isoformat(timespec="milliseconds"),
    ]


@pytest.mark.parametrize("values", SAMPLE_VALUES)
def test_real_sample_payloads_give_the_reference_lines(values):
    # as a gateway sends them: compact JSON, one reading or an array of its backlog
    single = reading_payload(round((NOW - 30) * 1000), 7, values).encode()
    backlog = [
        json.loads(reading_payload(round((NOW - 60 * i) * 1000), i, values)) for i in range(20)
    ]
    spaced = [{"ts": ts, "seq": i} | values for i, ts in enumerate(_timestamps(90))]
    for document in (single, json.dumps(backlog).encode(), json.dumps(spaced).encode()):
        result = fast_lines(json.loads(document), SERIES, now_s=NOW, retention_s=RETENTION_S)
        assert result is not None, document
        assert result[0] == _reference_lines(document)
        fast, reference = _both(TOPIC, document)
        assert fast == reference


field_values = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(min_value=-200, max_value=12000)
    | st.integers(min_value=-200, max_value=12000)
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.decimals(min_value=-50, max_value=1200, places=2).map(float)
    | st.sampled_from([None, True, False, "21.5", [], {}, 0, -0.0, 0.0, 85, -40, 100])
)
timestamps = (
    st.floats(min_value=NOW - 2 * RETENTION_S, max_value=NOW + 3600)
    | st.integers(min_value=int(NOW) - 1000, max_value=int(NOW) + 1000)
    | st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(
        lambda value: value.replace(tzinfo=UTC).isoformat()
    )
    | st.sampled_from([NOW - RETENTION_S, NOW + 300, "2026-11-22T10:00:00", "x", None, True])
)
readings = st.fixed_dictionaries(
    {"ts": timestamps},
    optional={name: field_values for name in FIELD_RANGES}
    | {
        "seq": st.integers(min_value=-5, max_value=2**64) | st.sampled_from([None, 1.0, True]),
        "device": st.text(max_size=5),
        "note": st.none() | st.integers(),
    },
)


def _in_range(low: float, high: float) -> st.SearchStrategy[object]:
    """Mostly valid values of one field, its bounds and a step past them included."""
    return (
        st.floats(min_value=low, max_value=high)
        | st.integers(min_value=int(low), max_value=int(high))
        | st.decimals(min_value=low, max_value=high, places=2).map(float)
        | st.sampled_from([low, high, int(low), int(high), low - 0.01, high + 0.01, None, True])
    )


valid_timestamps = (
    st.floats(min_value=NOW - RETENTION_S + 1, max_value=NOW + 299)
    | st.integers(min_value=int(NOW - RETENTION_S) + 1, max_value=int(NOW) + 299)
    | st.sampled_from([NOW - RETENTION_S, NOW + 300, NOW + 300.001, NOW - RETENTION_S - 0.001])
    | st.sampled_from([True, None, "2026-11-22T10:00:00", [NOW]])
    | st.integers(min_value=-1000, max_value=299).map(
        lambda offset: datetime.fromtimestamp(NOW + offset, UTC).isoformat()
    )
)
likely_readings = st.fixed_dictionaries(
    {"ts": valid_timestamps},
    optional={name: _in_range(low, high) for name, (low, high) in FIELD_RANGES.items()}
    | {
        "seq": st.integers(min_value=0, max_value=2**63)
        | st.sampled_from([0, 2**63 - 1, 2**63, -1, False, 1.0]),
        "unknown": st.integers(),
    },
)
# The shape nearly every device sends, which the fast path formats in one piece
common_readings = st.fixed_dictionaries(
    {
        "ts": valid_timestamps,
        "temperature_c": _in_range(*FIELD_RANGES["temperature_c"]),
        "humidity_pct": _in_range(*FIELD_RANGES["humidity_pct"]),
    },
    optional={
        "seq": st.integers(min_value=0, max_value=2**63)
        | st.sampled_from([0, 2**63 - 1, 2**63, -1, False, 1.0, None])
    },
)
documents = (
    readings
    | likely_readings
    | common_readings
    | st.lists(common_readings | likely_readings, min_size=1, max_size=6)
    | st.lists(readings | st.integers(), min_size=0, max_size=6)
    | st.lists(likely_readings, min_size=1, max_size=6)
)


@given(document=documents)
@settings(max_examples=1500, deadline=None)
def test_fast_path_stores_and_rejects_as_the_reference_path(document):
    payload = json.dumps(document).encode()  # NaN and Infinity too, as the standard allows
    fast, reference = _both(TOPIC, payload)
    assert fast == reference
    try:
        accepted = fast_lines(json.loads(payload), SERIES, now_s=NOW, retention_s=RETENTION_S)
    except ValueError:
        return
    if accepted is not None:
        assert accepted[0] == _reference_lines(payload)


@pytest.mark.parametrize(
    "payload",
    [
        b'{"ts": %d, "temperature_c": NaN}' % NOW,
        b'{"ts": %d, "temperature_c": 1e400}' % NOW,
        b'{"ts": %d, "temperature_c": 123456789012345678901234567890}' % NOW,
        b'{"ts": %d, "seq": -9223372036854775809, "temperature_c": 20}' % NOW,
        b'{"ts": %d, "temperature_c": 20, "note": "\\ud800"}' % NOW,
        b'[{"ts": %d, "temperature_c": 20}, {"ts": %d, "humidity_pct": 101}]' % (NOW, NOW),
        b"[]",
        b"\xef\xbb\xbf{}",
        b'{"ts": %d, "temperature_c": 20}' % NOW + b" " * 300_000,
    ],
    # Named, not shown: the payloads carry the time of import, which differs between workers.
    ids=[
        "nan",
        "overflowing-float",
        "huge-integer",
        "seq-below-int64",
        "lone-surrogate",
        "array-with-a-bad-element",
        "empty-array",
        "byte-order-mark",
        "long-whitespace",
    ],
)
def test_json_only_the_standard_library_takes_goes_the_reference_way(payload):
    fast, reference = _both(TOPIC, payload)
    assert fast == reference


@given(
    temperature=st.floats(min_value=-40, max_value=85),
    humidity=st.floats(min_value=0, max_value=100),
)
@settings(max_examples=3000, deadline=None)
def test_derived_text_stores_the_rounded_derived_fields(temperature, humidity):
    _assert_stores_rounded(temperature, humidity)


def test_derived_text_on_a_grid_of_sensor_steps():
    for t in range(-400, 851, 7):
        for h in range(0, 1001, 3):
            _assert_stores_rounded(t / 10, h / 10)


def _assert_stores_rounded(temperature: float, humidity: float) -> None:
    """The text InfluxDB parses is the double `round` gives, zero's sign included."""
    dew_point, abs_humidity = derived_fields(temperature, humidity)
    text = derived_text(temperature, humidity)
    dew_text, abs_text = (part.split("=")[1] for part in text[1:].split(","))
    assert text.startswith(",dew_point_c=") and ",abs_humidity_gm3=" in text
    assert len(dew_text.split(".")[1]) == 3 and len(abs_text.split(".")[1]) == 4
    for written, rounded in ((float(dew_text), dew_point), (float(abs_text), abs_humidity)):
        assert written == rounded and math.copysign(1, written) == math.copysign(1, rounded)


def test_zeros_and_whole_numbers_keep_their_text():
    document = [
        {"ts": NOW, "temperature_c": 0.0, "humidity_pct": 0},
        {"ts": NOW, "temperature_c": -0.0, "humidity_pct": 50, "rssi_dbm": -0.0},
        {"ts": NOW, "temperature_c": 0, "humidity_pct": 100.0, "battery_mv": 3000},
    ]
    payload = json.dumps(document).encode()
    result = fast_lines(json.loads(payload), SERIES, now_s=NOW, retention_s=RETENTION_S)
    assert result is not None
    assert result[0] == _reference_lines(payload)
    assert "temperature_c=-0.0," in result[0][1]
    assert math.copysign(1, json.loads(payload)[1]["temperature_c"]) == -1
