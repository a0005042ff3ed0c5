"""InfluxDB errors are translated at the boundary: bad data versus unavailable."""

import pytest

from dampwatch.influx import InfluxBadData, InfluxQL, InfluxUnavailable, V1LineWriter, V2LineWriter
from dampwatch.settings import InfluxSettings
from dampwatch_stack.servers import free_port

pytestmark = pytest.mark.servers


def settings_for(url, database, **overrides):
    values = {"influx_api": "v1", "influx_database": database, "influx_bucket": database}
    return InfluxSettings(_env_file=None, influx_url=url, **(values | overrides))


def test_write_and_read_back(influx_db):
    settings = settings_for(influx_db.url, influx_db.database)
    writer = V1LineWriter(settings)
    writer.write(["reading,home=h,device=d temperature_c=20.5 1700000000000000000"])
    rows = InfluxQL(settings).rows("SELECT * FROM reading")
    assert rows == [{"time": 1700000000000, "device": "d", "home": "h", "temperature_c": 20.5}]


def test_bad_lines_are_bad_data(influx_db):
    writer = V1LineWriter(settings_for(influx_db.url, influx_db.database))
    with pytest.raises(InfluxBadData) as caught:
        writer.write(["reading,home=h temperature_c=notanumber 1"])
    assert caught.value.status == 400


def test_unreachable_server_is_unavailable():
    url = f"http://127.0.0.1:{free_port()}"
    settings = settings_for(url, "x", influx_timeout_s=1)
    with pytest.raises(InfluxUnavailable) as caught:
        V1LineWriter(settings).write(["m f=1 1"])
    # The message names the server and what to set, not a connection object's repr.
    assert f"unreachable at {url}" in str(caught.value)
    assert "DAMPWATCH_INFLUX_URL" in str(caught.value) and " object at 0x" not in str(caught.value)
    with pytest.raises(InfluxUnavailable, match="unreachable at"):
        V2LineWriter(settings).write(["m f=1 1"])
    with pytest.raises(InfluxUnavailable, match="unreachable at"):
        InfluxQL(settings).query("SHOW DATABASES")
    assert InfluxQL(settings).ping() is False


def test_the_v2_api_against_influxdb_1_says_what_to_set(influx_db):
    settings = settings_for(influx_db.url, influx_db.database, influx_api="v2", influx_token="t")
    with pytest.raises(InfluxUnavailable) as caught:
        V2LineWriter(settings).write(["m f=1 1"])
    assert caught.value.status == 404
    assert influx_db.url in str(caught.value) and "DAMPWATCH_INFLUX_API" in str(caught.value)


def test_missing_database_is_unavailable_not_bad_data(influx_server):
    writer = V1LineWriter(settings_for(influx_server.url, "does_not_exist"))
    with pytest.raises(InfluxUnavailable) as caught:
        writer.write(["m f=1 1"])
    assert caught.value.status == 404


def test_v2_type_conflict_is_bad_data(influx_db, v2_proxy):
    settings = settings_for(
        v2_proxy.url, influx_db.database, influx_api="v2", influx_token="user:password"
    )
    writer = V2LineWriter(settings)
    writer.write(["m f=1.5 1000"])
    with pytest.raises(InfluxBadData, match="field type conflict"):
        writer.write(['m f="text" 2000'])


def test_influxql_errors_are_raised(influx_db):
    query = InfluxQL(settings_for(influx_db.url, influx_db.database))
    with pytest.raises(InfluxBadData, match="error parsing query"):
        query.query("SELECT FROM nowhere")
    with pytest.raises(InfluxBadData, match="InfluxQL error: database not found"):
        query.query("SELECT * FROM reading", database="missing")
