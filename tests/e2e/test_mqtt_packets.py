"""Malformed and oversized MQTT packets against the deployed file-ACL broker and one ingest.

A gateway-style client of `home-a` (the ACL lets it write any device of its home, as an
operator's gateway lines would) logs in on the TLS device listener; the raw attacks go there
and to the services' listener, and after each one a good reading must still be stored.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.soak_broker import INGEST_USER, DeployedBroker, home_wide_acl
from bench.soak_checker import rejected_counts
from bench.soak_stack import IngestWorker, ingest_env

from dampwatch_stack.servers import InfluxServer
from tests.e2e.mqtt_clients import BrokerAccess, connect, connect_packet, publish_packet, send_raw

pytestmark = [pytest.mark.servers, pytest.mark.slow]
HOME = "home-a"
RAW_USER = "home-a/raw"  # the raw packets' own login: on the device listener it is its client id
READING = b'{"ts": %d, "seq": 1, "temperature_c": 19.5, "humidity_pct": 55}'


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[DeployedBroker]:
    """deploy/mosquitto/mosquitto.conf with TLS, one home-wide client and the ingest."""
    passwords = {HOME: "pw-home-a", RAW_USER: "pw-raw", INGEST_USER: "pw-ingest"}
    deployed = DeployedBroker(
        tmp_path / "broker", passwords, tls=True, acl_extra=home_wide_acl([HOME])
    )
    deployed.start()
    yield deployed
    deployed.stop()


@pytest.fixture
def ingest(broker: DeployedBroker, influx_server: InfluxServer, tmp_path: Path) -> Iterator[str]:
    """One `dampwatch ingest` on the broker's services listener; yields its database."""
    database = f"attack_{uuid.uuid4().hex[:10]}"
    influx_server.create_database(database)
    env = ingest_env(broker.port, broker.passwords[INGEST_USER], influx_server.url, database)
    worker = IngestWorker(1, env, tmp_path / "ingest").start()
    worker.wait_connected()
    yield database
    worker.stop()
    assert worker.exit_code == 0, worker.log_tail()


def _stored(influx: InfluxServer, database: str) -> int:
    result = influx.query("SELECT count(temperature_c) FROM reading", db=database)
    series = result["results"][0].get("series")
    return int(series[0]["values"][0][1]) if series else 0


def test_oversized_and_malformed_packets_stop_neither_broker_nor_ingest(
    broker: DeployedBroker, ingest: str, influx_server: InfluxServer
) -> None:
    assert broker.tls_port is not None
    access = BrokerAccess(
        "file-acl", broker.tls_port, broker.port, broker.ca_path, broker.passwords
    )
    login = connect_packet("attack-raw", RAW_USER, broker.passwords[RAW_USER])
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
    device = connect(access, HOME)
    number = 0
    try:
        for name, chunks in attacks.items():
            for port, ca in ((broker.tls_port, broker.ca_path), (broker.port, None)):
                send_raw(port, *chunks, ca=ca)
                assert broker.running, f"the broker died of {name} on port {port}"
                number += 1
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
    assert HOME in broker.log_text() and broker.running
