"""Real Mosquitto and InfluxDB processes from dampwatch_stack.servers; the v2 write proxy."""

from __future__ import annotations

import gzip
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from influxdb_client import InfluxDBClient, Point, WritePrecision
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.rest import ApiException
from paho.mqtt.enums import CallbackAPIVersion

from dampwatch_stack.servers import InfluxServer, MosquittoServer, ServerStartError
from tests.support import OPENER, InfluxDatabase, rows
from tests.support.v2_write_proxy import InfluxV2WriteProxy, bucket_to_db_rp, token_credentials

pytestmark = pytest.mark.servers

T0_MS = 1_700_000_000_000


@contextmanager
def mqtt_client(
    server: MosquittoServer,
    client_id: str = "",
    *,
    clean_session: bool = True,
    inbox: queue.Queue[mqtt.MQTTMessage] | None = None,
) -> Iterator[tuple[mqtt.Client, dict[str, Any]]]:
    """Connect an MQTT 3.1.1 client (callbacks set before CONNECT) and disconnect afterwards."""
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean_session,
        protocol=mqtt.MQTTv311,
    )
    connack: dict[str, Any] = {}
    connected = threading.Event()

    def on_connect(c: mqtt.Client, u: object, flags: Any, rc: Any, p: object) -> None:
        connack.update(session_present=flags.session_present, reason=rc)
        connected.set()

    client.on_connect = on_connect
    if inbox is not None:
        client.on_message = lambda c, u, message: inbox.put(message)
    client.connect(server.host, server.port, keepalive=30)
    client.loop_start()
    try:
        assert connected.wait(5), "no CONNACK"
        assert not connack["reason"].is_failure, connack
        yield client, connack
    finally:
        client.disconnect()
        client.loop_stop()


def subscribe(client: mqtt.Client, topic: str, qos: int = 1) -> None:
    """Subscribe and wait for the SUBACK."""
    done = threading.Event()
    client.on_subscribe = lambda *args: done.set()
    client.subscribe(topic, qos)
    assert done.wait(5), "no SUBACK"


def test_mosquitto_publish_and_receive(mosquitto: MosquittoServer) -> None:
    inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    with mqtt_client(mosquitto, inbox=inbox) as (client, _):
        subscribe(client, "dampwatch/test/#")
        client.publish("dampwatch/test/a", b"hello", qos=1).wait_for_publish(5)
        message = inbox.get(timeout=5)
    assert (message.topic, message.payload, message.qos) == ("dampwatch/test/a", b"hello", 1)
    assert mosquitto.running and mosquitto.pid is not None
    assert mosquitto.address == ("127.0.0.1", mosquitto.port)


def test_mosquitto_persistent_session_survives_clean_restart(mosquitto: MosquittoServer) -> None:
    with mqtt_client(mosquitto, "subscriber", clean_session=False) as (client, _):
        subscribe(client, "dampwatch/persist")
    with mqtt_client(mosquitto, "publisher") as (client, _):
        client.publish("dampwatch/persist", b"queued", qos=1).wait_for_publish(5)
    old_pid = mosquitto.pid
    mosquitto.restart()
    assert mosquitto.pid != old_pid
    assert mosquitto.persistence_path.exists()
    inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    with mqtt_client(mosquitto, "subscriber", clean_session=False, inbox=inbox) as (_, connack):
        message = inbox.get(timeout=5)
    assert connack["session_present"]
    assert message.payload == b"queued"


def test_mosquitto_21_with_persist_sqlite_keeps_a_shared_subscription_across_a_restart(
    mosquitto_21_factory: Callable[..., MosquittoServer],
) -> None:
    broker = mosquitto_21_factory()
    with mqtt_client(broker, "worker", clean_session=False) as (client, _):
        subscribe(client, "$share/group/dampwatch/shared")
    broker.restart()
    with mqtt_client(broker, "publisher") as (client, _):
        client.publish("dampwatch/shared", b"while away", qos=1).wait_for_publish(5)
    inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    with mqtt_client(broker, "worker", clean_session=False, inbox=inbox) as (_, connack):
        message = inbox.get(timeout=5)
    assert connack["session_present"]
    assert message.payload == b"while away"
    assert (broker.data_dir / "mosquitto.sqlite3").exists()
    assert not broker.persistence_path.exists(), "built-in persistence must stay off"
    assert "mosquitto version 2.1.2 running" in broker.log_path.read_text()


def test_mosquitto_21_with_persist_sqlite_keeps_acknowledged_messages_through_a_crash(
    mosquitto_21_factory: Callable[..., MosquittoServer],
) -> None:
    broker = mosquitto_21_factory()
    with mqtt_client(broker, "worker", clean_session=False) as (client, _):
        subscribe(client, "$share/group/dampwatch/crash")
    sent = [f"m{number}".encode() for number in range(100)]
    with mqtt_client(broker, "publisher") as (client, _):
        for info in [client.publish("dampwatch/crash", payload, qos=1) for payload in sent]:
            info.wait_for_publish(5)
    time.sleep(0.2)  # far inside the plugin's default 5 s flush period, which would lose them
    broker.kill()
    broker.start()
    inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
    with mqtt_client(broker, "worker", clean_session=False, inbox=inbox) as (_, connack):
        received = [inbox.get(timeout=5).payload for _ in sent]
    assert connack["session_present"]
    assert sorted(received) == sorted(sent)


def test_mosquitto_starts_again_after_kill(mosquitto: MosquittoServer) -> None:
    mosquitto.kill()
    assert not mosquitto.running and mosquitto.pid is None
    mosquitto.start()
    with mqtt_client(mosquitto):
        pass
    mosquitto.stop()
    mosquitto.stop()  # idempotent
    assert not mosquitto.running


def test_mosquitto_bad_config_fails_fast_with_its_error(
    mosquitto_factory: Callable[..., MosquittoServer],
) -> None:
    started = time.monotonic()
    with pytest.raises(ServerStartError) as excinfo:
        mosquitto_factory(extra_config="no_such_option true")
    assert time.monotonic() - started < 5
    assert 'Unknown configuration variable "no_such_option"' in excinfo.value.log_tail
    assert "no_such_option" in str(excinfo.value)


def test_influx_write_then_query(influx_db: InfluxDatabase) -> None:
    influx_db.write(f"climate,home=h1 t=21.5,rh=64i {T0_MS}")
    result = influx_db.query("SELECT t, rh FROM climate GROUP BY home")
    assert rows(result) == [{"home": "h1", "time": T0_MS, "t": 21.5, "rh": 64}]


def test_influx_restart_and_kill_keep_acknowledged_writes(
    influx_factory: Callable[..., InfluxServer],
) -> None:
    server = influx_factory()
    server.create_database("keep")
    db = InfluxDatabase(server, "keep")
    db.write(f"m v=1 {T0_MS}")
    server.restart()
    db.write(f"m v=2 {T0_MS + 1}")
    server.kill()  # the WAL is fsynced before /write answers, so a crash loses nothing
    server.start()
    assert [r["v"] for r in db.rows("SELECT v FROM m")] == [1, 2]


def v2_client(proxy: InfluxV2WriteProxy, token: str = "user:password") -> InfluxDBClient:
    """Return an InfluxDB 2.x client pointed at the proxy."""
    return InfluxDBClient(url=proxy.url, token=token, org="dampwatch", timeout=10_000)


@pytest.mark.parametrize(
    ("precision", "stamp"),
    [
        (WritePrecision.NS, T0_MS * 1_000_000),
        (WritePrecision.US, T0_MS * 1000),
        (WritePrecision.MS, T0_MS),
        (WritePrecision.S, T0_MS // 1000),
    ],
)
def test_v2_write_through_proxy_lands_in_influx(
    v2_proxy: InfluxV2WriteProxy,
    influx_db: InfluxDatabase,
    precision: str,
    stamp: int,
) -> None:
    point = Point("climate").tag("home", "h2").field("t", 19.25).time(stamp, precision)
    with v2_client(v2_proxy) as client:
        client.write_api(write_options=SYNCHRONOUS).write(
            f"{influx_db.database}/autogen", record=point, write_precision=precision
        )
    assert v2_proxy.write_requests == 1
    assert influx_db.rows("SELECT * FROM climate") == [{"time": T0_MS, "home": "h2", "t": 19.25}]


def test_v2_field_type_conflict_is_400_with_v2_json(
    v2_proxy: InfluxV2WriteProxy,
    influx_db: InfluxDatabase,
) -> None:
    with v2_client(v2_proxy) as client:
        write_api = client.write_api(write_options=SYNCHRONOUS)
        write_api.write(influx_db.database, record=f"m v=1.5 {T0_MS}", write_precision="ms")
        with pytest.raises(ApiException) as excinfo:
            write_api.write(influx_db.database, record=f'm v="x" {T0_MS}', write_precision="ms")
    assert excinfo.value.status == 400
    body = json.loads(excinfo.value.body)
    assert body["code"] == "invalid"
    assert "field type conflict" in body["message"]


def raw(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    """Send a request and return (status, headers, body) without raising on HTTP errors."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def test_proxy_maps_errors_and_forwards_other_paths(
    v2_proxy: InfluxV2WriteProxy,
    influx_db: InfluxDatabase,
) -> None:
    status, headers, _ = raw(f"{v2_proxy.url}/ping")
    assert status == 204 and headers["X-Influxdb-Version"]
    status, _, body = raw(f"{v2_proxy.url}/query?q=SHOW+DATABASES")
    assert status == 200 and influx_db.database in body.decode()
    status, _, body = raw(f"{v2_proxy.url}/api/v2/write?bucket=no_such_db", b"m v=1")
    assert status == 404 and json.loads(body)["code"] == "not found"
    status, _, body = raw(f"{v2_proxy.url}/api/v2/write?bucket=/rp", b"m v=1")
    assert status == 404 and "empty database" in json.loads(body)["message"]
    status, _, body = raw(f"{v2_proxy.url}/api/v2/write?bucket=x&precision=m", b"m v=1")
    assert status == 400 and json.loads(body)["code"] == "invalid"


def test_proxy_maps_token_to_1x_credentials(
    influx_factory: Callable[..., InfluxServer],
) -> None:
    server = influx_factory(auth_enabled=True)
    server.query("CREATE USER admin WITH PASSWORD 's3cret' WITH ALL PRIVILEGES")
    server.query("CREATE DATABASE auth", auth=("admin", "s3cret"))
    url_path = "/api/v2/write?bucket=auth&precision=s"
    with InfluxV2WriteProxy(server.url) as proxy:
        for token, expected in [("admin:s3cret", 204), ("admin:wrong", 401), ("bare", 401)]:
            status, _, body = raw(
                proxy.url + url_path, b"m v=1 1", {"Authorization": f"Token {token}"}
            )
            assert status == expected, (token, body)
            if expected == 401:
                assert json.loads(body)["code"] == "unauthorized"
    assert token_credentials("Token a:b:c") == ("a", "b:c")
    assert bucket_to_db_rp("db/rp") == ("db", "rp") and bucket_to_db_rp("db") == ("db", "")


def test_proxy_returns_503_when_influx_is_down(
    influx_factory: Callable[..., InfluxServer],
) -> None:
    server = influx_factory()
    with InfluxV2WriteProxy(server.url) as proxy, v2_client(proxy) as client:
        server.stop()
        with pytest.raises(ApiException) as excinfo:
            client.write_api(write_options=SYNCHRONOUS).write("db", record="m v=1")
        status, _, body = raw(f"{proxy.url}/ping")
    assert excinfo.value.status == 503
    assert json.loads(excinfo.value.body)["code"] == "unavailable"
    assert status == 503 and json.loads(body)["code"] == "unavailable"


def test_proxy_forwards_gzip_bodies(
    v2_proxy: InfluxV2WriteProxy,
    influx_db: InfluxDatabase,
) -> None:
    body = gzip.compress(f"gz v=7i {T0_MS}".encode())
    status, _, reply = raw(
        f"{v2_proxy.url}/api/v2/write?bucket={influx_db.database}&precision=ms",
        body,
        {"Content-Encoding": "gzip", "Authorization": "Token bare"},
    )
    assert status == 204, reply
    assert influx_db.rows("SELECT v FROM gz") == [{"time": T0_MS, "v": 7}]
