"""Provisioning against a real Mosquitto with the dynamic-security plugin."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dampwatch.settings import MqttSettings
from dampwatch_api.broker.dynsec import DynamicSecurity
from dampwatch_api.broker.link import BrokerLink
from dampwatch_api.broker.roles import INGEST_ROLE
from dampwatch_stack.servers import MosquittoServer
from tests.api.mqtt_support import connect, publish_reason, start_dynsec_broker

pytestmark = pytest.mark.servers
PREFIX = "dampwatch/v1"
NOT_AUTHORISED = 135


@pytest.fixture
def provisioning(
    mosquitto_factory: Callable[..., MosquittoServer], tmp_path: Path
) -> tuple[MosquittoServer, DynamicSecurity]:
    broker = start_dynsec_broker(mosquitto_factory, tmp_path)
    settings = MqttSettings(
        mqtt_host=broker.server.host,
        mqtt_port=broker.server.port,
        mqtt_username=broker.username,
        mqtt_password=broker.password,
    )
    link = BrokerLink(settings, "dampwatch-api-test")
    link.start()
    assert link.wait_connected(5)
    dynsec = DynamicSecurity(link, PREFIX, timeout_s=5)
    dynsec.ensure_platform_roles()
    yield broker.server, dynsec
    link.stop()


def test_device_publishes_to_its_own_home_only(
    provisioning: tuple[MosquittoServer, DynamicSecurity],
) -> None:
    server, dynsec = provisioning
    dynsec.ensure_service_client("ingest-1", "ingest-pw", INGEST_ROLE)
    ingest, ingest_rc = connect(server, "ingest-1", "ingest-pw", "ingest-1")
    assert ingest_rc is not None and not ingest_rc.is_failure
    received: list[str] = []
    arrived = threading.Event()

    def on_message(_c: object, _u: object, message: object) -> None:
        received.append(message.topic)  # type: ignore[attr-defined]
        arrived.set()

    ingest.on_message = on_message
    ingest.subscribe(f"$share/ingest/{PREFIX}/+/+/reading", qos=1)
    time.sleep(0.3)

    made = dynsec.provision("home-a", "dev-1")
    username, password = made.username, made.password
    other_id, other_rc = connect(server, username, password, "dev-1")
    assert other_rc is not None and other_rc.is_failure, "accepted with another client id"
    other_id.loop_stop()
    device, device_rc = connect(server, username, password, made.client_id)
    assert device_rc is not None and not device_rc.is_failure
    own = f"{PREFIX}/home-a/dev-1/reading"
    assert publish_reason(device, own) == 0
    assert publish_reason(device, f"{PREFIX}/home-a/dev-2/reading") == NOT_AUTHORISED
    assert publish_reason(device, f"{PREFIX}/home-b/dev-1/reading") == NOT_AUTHORISED
    assert publish_reason(device, f"{PREFIX}/_registry/home-a", b'{"consent": true}') == (
        NOT_AUTHORISED
    )
    assert arrived.wait(5)
    time.sleep(0.3)
    assert received == [own]
    for client in (device, ingest):
        client.loop_stop()
        client.disconnect()


def test_revoked_device_is_disconnected_and_refused(
    provisioning: tuple[MosquittoServer, DynamicSecurity],
) -> None:
    server, dynsec = provisioning
    made = dynsec.provision("home-a", "dev-2")
    username, password = made.username, made.password
    device, rc = connect(server, username, password, made.client_id)
    assert rc is not None and not rc.is_failure
    dropped = threading.Event()
    device.on_disconnect = lambda *args: dropped.set()
    dynsec.revoke(username)
    assert dropped.wait(5), "the broker kept the revoked device connected"
    device.loop_stop()
    again, rc_again = connect(server, username, password, made.client_id)
    assert rc_again is not None and rc_again.is_failure
    again.loop_stop()


def test_reprovisioning_replaces_the_old_password(
    provisioning: tuple[MosquittoServer, DynamicSecurity],
) -> None:
    server, dynsec = provisioning
    first = dynsec.provision("home-c", "dev-3")
    second = dynsec.provision("home-c", "dev-3")
    username = first.username
    old, rc_old = connect(server, username, first.password, first.client_id)
    assert rc_old is not None and rc_old.is_failure
    old.loop_stop()
    new, rc_new = connect(server, username, second.password, second.client_id)
    assert rc_new is not None and not rc_new.is_failure
    new.loop_stop()
    new.disconnect()
