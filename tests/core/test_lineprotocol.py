"""Line protocol for the `reading` and `rejected` measurements."""

from hypothesis import given
from hypothesis import strategies as st

from dampwatch.const import RejectReason
from dampwatch.lineprotocol import (
    derived_fields,
    escape_key,
    escape_measurement,
    escape_string,
    printable,
    reading_line,
    rejected_line,
)
from dampwatch.psychrometrics import abs_humidity_gm3, dew_point_c
from dampwatch.readings import Reading, Rejection


def test_reading_line_has_tags_fields_derived_values_and_ms_time():
    reading = Reading.model_validate(
        {"ts": 1_795_345_200.5, "temperature_c": 20, "humidity_pct": 50.0, "seq": 42}
    ).valid()
    line = reading_line(reading, "home-1", "dev-1", "living room")
    assert line == (
        "reading,device=dev-1,home=home-1,room=living\\ room "
        "temperature_c=20.0,humidity_pct=50.0,dew_point_c=9.255,abs_humidity_gm3=8.6214,seq=42i "
        "1795345200500000000"
    )


def test_reading_without_humidity_has_no_derived_fields():
    reading = Reading.model_validate(
        {"ts": 1_795_345_200, "temperature_c": 20, "rssi_dbm": -70}
    ).valid()
    line = reading_line(reading, "h", "d")
    assert line == "reading,device=d,home=h temperature_c=20.0,rssi_dbm=-70.0 1795345200000000000"


def test_escaping_rules():
    assert escape_measurement("a b,c=d") == "a\\ b\\,c=d"
    assert escape_key("Bed room,2=x") == "Bed\\ room\\,2\\=x"
    assert escape_key("trailing\\") == "trailing"
    assert escape_key("two\nlines") == "two\\ lines"
    assert escape_string('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'


def test_printable_keeps_text_and_escapes_the_rest():
    assert printable('{"t": "ü"}'.encode()) == '{"t": "ü"}'
    assert printable(b"a\nb\x00\xff") == "a\\nb\\x00\\xff"


def test_rejected_line():
    rejection = Rejection(RejectReason.RANGE, "temperature_c: too hot", b'{"t": 99}\n', 3)
    line = rejected_line(
        rejection,
        topic="dampwatch/v1/h/d/reading",
        source="ingest-1",
        timestamp_ns=5,
        home_id="h",
        device_id="d",
    )
    assert line == (
        'rejected,reason=range,source=ingest-1 topic="dampwatch/v1/h/d/reading",'
        'raw="{\\"t\\": 99}\\\\n",detail="temperature_c: too hot",index=3i,home="h",device="d" 5'
    )


@given(
    temperature=st.floats(min_value=-40, max_value=85),
    humidity=st.floats(min_value=0, max_value=100),
)
def test_hot_path_derivation_agrees_with_psychrometrics(temperature, humidity):
    dew_point, abs_humidity = derived_fields(temperature, humidity)
    assert abs(dew_point - dew_point_c(temperature, humidity)) <= 0.0005 + 1e-9
    assert abs(abs_humidity - abs_humidity_gm3(temperature, humidity)) <= 0.00005 + 1e-9
