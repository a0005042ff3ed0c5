"""Attacks on the broker as deployed: deploy/mosquitto/mosquitto.conf with its password file and
ACL, and the compose configuration with dynamic security, both with TLS certificates made here.

Devices connect over TLS as in a deployment. A refused publish in MQTT 3.1.1 is silently
dropped by the broker, so non-delivery is proven with a privileged subscriber (the ingest's
credentials) that does receive a legitimate message sent right after; in MQTT 5 the PUBACK
carries reason code 0x87 (not authorized).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from bench.procs import Child
from bench.soak_broker import DEPLOY_DIR, DeployedBroker, make_certificates
from bench.soak_checker import rejected_counts
from bench.soak_stack import IngestWorker, ingest_env

from dampwatch_stack.servers import InfluxServer, MosquittoServer, free_port
from tests.e2e.mqtt_clients import (
    QUIET_S,
    BrokerAccess,
    connect,
    connect_packet,
    publish_packet,
    send_raw,
)
from tests.support.compose_broker import compose_config, require_mosquitto_21

NOT_AUTHORIZED = 0x87
HOMES = ("home-a", "home-b")
READING = b'{"ts": %d, "seq": 1, "temperature_c": 19.5, "humidity_pct": 55}'


def _passwords() -> dict[str, str]:
    return {name: f"pw-{name}-{uuid.uuid4().hex[:8]}" for name in (*HOMES, "dampwatch-ingest")}


@pytest.fixture(scope="module")
def file_acl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployedBroker]:
    """deploy/mosquitto/mosquitto.conf with its ACL, a password file and a TLS listener."""
    broker = DeployedBroker(tmp_path_factory.mktemp("file-acl"), _passwords(), tls=True)
    broker.start()
    yield broker
    broker.stop()


def _control(admin: BrokerAccess, commands: list[dict[str, object]]) -> None:
    session = connect(admin, "admin")
    assert session.connack is not None and not session.connack.is_failure
    session.subscribe("$CONTROL/dynamic-security/v1/response")
    session.publish("$CONTROL/dynamic-security/v1", json.dumps({"commands": commands}).encode())
    deadline = time.monotonic() + 5
    while not session.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    session.close()
    responses = json.loads(session.messages[0][1])["responses"]
    assert all("error" not in item for item in responses), responses


@pytest.fixture(scope="module")
def dynsec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerAccess]:
    """The compose configuration on Mosquitto 2.1; homes provisioned over $CONTROL."""
    build = require_mosquitto_21()
    work = tmp_path_factory.mktemp("dynsec")
    certs = make_certificates(work / "certs")
    service = {
        var: f"pw-{var.lower()}"
        for var in (
            "MQTT_ADMIN_PASSWORD",
            "MQTT_INGEST_PASSWORD",
            "MQTT_API_PASSWORD",
            "MQTT_SIM_PASSWORD",
            "MQTT_HEALTHCHECK_PASSWORD",
        )
    }
    bootstrap = DEPLOY_DIR / "dynsec_bootstrap.py"
    subprocess.run(
        [sys.executable, str(bootstrap), str(work / "dynamic-security.json")],
        env=os.environ | service,
        check=True,
        capture_output=True,
    )
    tls_port, plain_port = free_port(), free_port()
    config = compose_config(
        build, data_dir=work, certs_dir=certs, tls_port=tls_port, plain_port=plain_port
    )
    (work / "mosquitto.conf").write_text(config)
    broker = Child("mosquitto", [str(build.binary), "-c", str(work / "mosquitto.conf")], {}, work)
    broker.env = dict(os.environ)
    broker.start()
    log = work / "mosquitto.log"
    deadline = time.monotonic() + 10
    while not (log.exists() and b" running\n" in log.read_bytes()):
        assert broker.alive() and time.monotonic() < deadline, broker.log_tail()
        time.sleep(0.05)
    passwords = {
        "admin": service["MQTT_ADMIN_PASSWORD"],
        "dampwatch-ingest": service["MQTT_INGEST_PASSWORD"],
    } | {home: f"pw-{home}" for home in HOMES}
    access = BrokerAccess("dynsec", tls_port, plain_port, certs / "ca.crt", passwords)
    commands: list[dict[str, object]] = []
    for home in HOMES:  # what the API's provisioning does for each home
        acls = [
            {
                "acltype": "publishClientSend",
                "topic": f"dampwatch/v1/{home}/+/reading",
                "allow": True,
            },
            {
                "acltype": "publishClientSend",
                "topic": f"dampwatch/v1/{home}/+/status",
                "allow": True,
            },
            {
                "acltype": "subscribePattern",
                "topic": f"dampwatch/v1/{home}/+/status",
                "allow": True,
            },
        ]
        commands += [
            {"command": "createRole", "rolename": f"home-{home}", "acls": acls},
            {
                "command": "createClient",
                "username": home,
                "password": passwords[home],
                "roles": [{"rolename": f"home-{home}"}],
            },
        ]
    try:
        _control(access, commands)
        yield access
    finally:
        broker.stop()  # also when the set-up above fails: never leave a broker behind


def _file_access(broker: DeployedBroker) -> BrokerAccess:
    assert broker.tls_port is not None
    return BrokerAccess("file-acl", broker.tls_port, broker.port, broker.ca_path, broker.passwords)


@pytest.fixture(params=["file-acl", "dynsec"])
def access(request: pytest.FixtureRequest) -> BrokerAccess:
    """Each deployed broker configuration in turn."""
    if request.param == "file-acl":
        return _file_access(request.getfixturevalue("file_acl"))
    return request.getfixturevalue("dynsec")  # type: ignore[no-any-return]


def _reading(home: str, device: str = "th-1") -> tuple[str, bytes]:
    return f"dampwatch/v1/{home}/{device}/reading", READING % int(time.time())


def _wait_for(messages: list[tuple[str, bytes]], topic: str, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not any(t == topic for t, _ in messages) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(t == topic for t, _ in messages), f"nothing arrived on {topic}"


@pytest.mark.servers
@pytest.mark.parametrize("protocol", [mqtt.MQTTv311, mqtt.MQTTv5])
def test_anonymous_and_wrong_passwords_are_refused(access: BrokerAccess, protocol: int) -> None:
    for username, password in ((None, None), ("home-a", "wrong"), ("nobody", "x")):
        session = connect(access, username, password=password, protocol=protocol)
        assert session.connack is not None and session.connack.is_failure, (username, session)
    plain = connect(access, None, tls=False)
    assert plain.connack is not None and plain.connack.is_failure


@pytest.mark.servers
def test_a_device_cannot_publish_as_another_home(access: BrokerAccess) -> None:
    watcher = connect(access, "dampwatch-ingest")
    watcher.subscribe("dampwatch/v1/+/+/reading")
    intruder_v3 = connect(access, "home-a", protocol=mqtt.MQTTv311)
    intruder_v5 = connect(access, "home-a")
    try:
        forged_topic, forged = _reading("home-b", "forged")
        intruder_v3.publish(forged_topic, forged)  # 3.1.1: acknowledged, silently dropped
        assert intruder_v5.publish(forged_topic, forged).value == NOT_AUTHORIZED
        registry = intruder_v5.publish("dampwatch/v1/_registry/home-a", b'{"consent": true}')
        assert registry.value == NOT_AUTHORIZED
        own_topic, own = _reading("home-a")
        assert not intruder_v3.publish(own_topic, own).is_failure
        _wait_for(watcher.messages, own_topic)
        time.sleep(0.3)
        assert [topic for topic, _ in watcher.messages] == [own_topic]
    finally:
        for session in (watcher, intruder_v3, intruder_v5):
            session.close()


@pytest.mark.servers
def test_a_device_cannot_read_other_homes_or_the_broker(access: BrokerAccess) -> None:
    victim = connect(access, "home-b")
    victim.publish("dampwatch/v1/home-b/th-1/status", b'{"online": true}', retain=True)
    victim.publish(*_reading("home-b"))
    snoop = connect(access, "home-a")
    try:
        for topic_filter in ("#", "$SYS/#", "dampwatch/v1/+/+/status", "dampwatch/v1/home-b/#"):
            snoop.subscribe(topic_filter)
        victim.publish("dampwatch/v1/home-b/th-1/status", b'{"online": false}', retain=True)
        victim.publish(*_reading("home-b"))
        time.sleep(QUIET_S)
        assert not [topic for topic, _ in snoop.messages if "home-a" not in topic], snoop.messages
    finally:
        victim.close()
        snoop.close()


@pytest.mark.servers
def test_the_same_snooping_sees_everything_on_an_open_broker(
    mosquitto_factory: Callable[..., MosquittoServer],
) -> None:
    """Control for the test above: its subscriptions do receive what an ACL does not forbid."""
    broker = mosquitto_factory()
    access = BrokerAccess("open", broker.port, broker.port, Path(), {})
    snoop = connect(access, None, tls=False)
    other = connect(access, None, tls=False)
    try:
        snoop.subscribe("$SYS/#")
        snoop.subscribe("dampwatch/v1/+/+/status")
        other.publish("dampwatch/v1/home-b/th-1/status", b'{"online": true}', retain=True)
        time.sleep(QUIET_S)
        topics = {topic for topic, _ in snoop.messages}
        assert "dampwatch/v1/home-b/th-1/status" in topics
        assert any(topic.startswith("$SYS/") for topic in topics)
    finally:
        snoop.close()
        other.close()


@pytest.mark.servers
def test_tls_works_and_the_tls_port_refuses_plain_mqtt_and_strange_cas(
    access: BrokerAccess, tmp_path: Path
) -> None:
    good = connect(access, "home-a")
    assert good.connack is not None and not good.connack.is_failure
    good.close()
    plain = connect(access, "home-a", tls=False, port=access.tls_port)
    assert plain.connack is None, "plain MQTT got an answer on the TLS port"
    other_ca = make_certificates(tmp_path / "other") / "ca.crt"
    stranger = connect(access, "home-a", ca=other_ca)
    assert stranger.connack is None, "a server certificate from another CA was accepted"


@pytest.fixture
def ingest(file_acl: DeployedBroker, influx_server: InfluxServer, tmp_path: Path) -> Iterator[str]:
    """One `dampwatch ingest` on the file-ACL broker; yields its database."""
    database = f"attack_{uuid.uuid4().hex[:10]}"
    influx_server.create_database(database)
    env = ingest_env(
        file_acl.port, file_acl.passwords["dampwatch-ingest"], influx_server.url, database
    )
    worker = IngestWorker(1, env, tmp_path / "ingest").start()
    worker.wait_connected()
    yield database
    worker.stop()
    assert worker.exit_code == 0, worker.log_tail()


def _stored(influx: InfluxServer, database: str) -> int:
    result = influx.query("SELECT count(temperature_c) FROM reading", db=database)
    series = result["results"][0].get("series")
    return int(series[0]["values"][0][1]) if series else 0


@pytest.mark.servers
@pytest.mark.slow
def test_oversized_and_malformed_packets_stop_neither_broker_nor_ingest(
    file_acl: DeployedBroker, ingest: str, influx_server: InfluxServer
) -> None:
    access = _file_access(file_acl)
    password = file_acl.passwords["home-a"]
    login = connect_packet("attack-raw", "home-a", password)
    topic = b"dampwatch/v1/home-a/th-raw/reading"
    attacks = {
        "garbage": [bytes(range(256)) * 16],
        "bad remaining length": [b"\x10\xff\xff\xff\xff\xff"],
        "publish before connect": [publish_packet(topic, b"{}")],
        "invalid UTF-8 topic": [
            login,
            publish_packet(b"dampwatch/v1/home-a/\xff\xfe/reading", b"{}"),
        ],
        "over max_packet_size": [login, publish_packet(topic, b"x" * (1024 * 1024 + 10))],
        "truncated packet": [login, publish_packet(topic, b"{}")[:-1]],
    }
    device = connect(access, "home-a")
    try:
        for number, (name, chunks) in enumerate(attacks.items(), start=1):
            send_raw(file_acl.port, *chunks)
            assert file_acl.running, f"the broker died of {name}"
            reading_topic = f"dampwatch/v1/home-a/after-{number}/reading"
            assert not device.publish(reading_topic, READING % int(time.time())).is_failure
            deadline = time.monotonic() + 10
            while _stored(influx_server, ingest) < number and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _stored(influx_server, ingest) == number, f"the ingest stopped after {name}"
        # over the contract's 256 KiB but within the broker's limit: recorded, not stored
        too_large = b'{"ts": 1, "pad": "' + b"x" * (300 * 1024) + b'"}'
        assert not device.publish("dampwatch/v1/home-a/big/reading", too_large).is_failure
        deadline = time.monotonic() + 10
        while not rejected_counts(influx_server, ingest) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert rejected_counts(influx_server, ingest) == {"too_large": 1}
    finally:
        device.close()
    log = file_acl.log_text()
    assert "home-a" in log and file_acl.running
