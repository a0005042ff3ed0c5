"""Provisioning through HTTP against a real Mosquitto with the dynamic-security plugin.

The API runs with `DAMPWATCH_DYNSEC_ENABLED=true`: devices and gateways created through it get
credentials that work on their own home only, removing them ends their access at once, and the
retained registry message the ingest reads follows every device, room and consent change.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from dampwatch.topics import reading_topic, registry_topic, status_topic
from dampwatch_api.broker.roles import INGEST_ROLE
from dampwatch_api.db import migrate
from dampwatch_stack.servers import MosquittoServer
from tests.api.conftest import HOME_NORTH, HOME_SOUTH, Api, api_settings, seed, start_api
from tests.api.mqtt_support import (
    API_PASSWORD,
    API_USERNAME,
    connect,
    publish_reason,
    retained_message,
    start_dynsec_broker,
)

pytestmark = [pytest.mark.servers, pytest.mark.slow]
PREFIX = "dampwatch/v1"
NOT_AUTHORISED = 135
# PUBACK reasons of an accepted message: success, or success with nobody subscribed yet.
ACCEPTED = {0, 16}
INGEST = ("ingest-test", "ingest-test-password")


@dataclass
class Platform:
    """The API provisioning on a dynamic-security broker, and an ingest account to listen with."""

    api: Api
    broker: MosquittoServer


@pytest.fixture
def platform(
    mosquitto_factory: Callable[..., MosquittoServer], tmp_path: Path
) -> Iterator[Platform]:
    broker = start_dynsec_broker(mosquitto_factory, tmp_path)
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    settings = api_settings(
        url,
        tmp_path,
        mqtt_host=broker.server.host,
        mqtt_port=broker.server.port,
        mqtt_username=API_USERNAME,
        mqtt_password=API_PASSWORD,
        mqtt_topic_prefix=PREFIX,
        dynsec_enabled=True,
    )
    for api in start_api(settings, connect_broker=True):
        context = api.client.app.state.context  # type: ignore[attr-defined]
        assert context.link.wait_connected(5)
        context.dynsec.ensure_service_client(*INGEST, INGEST_ROLE)
        yield Platform(api, broker.server)


class Listener:
    """An ingest-role client recording the readings it receives."""

    def __init__(self, broker: MosquittoServer) -> None:
        self.client, reason = connect(broker, *INGEST, "ingest-listener")
        assert reason is not None and not reason.is_failure
        self.topics: list[str] = []
        self._arrived = threading.Event()
        self.client.on_message = self._on_message
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.subscribe(f"{PREFIX}/+/+/reading", qos=1)
        assert subscribed.wait(5)

    def _on_message(self, _c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        self.topics.append(message.topic)
        self._arrived.set()

    def wait(self) -> None:
        """Until a message arrived, then a moment for any that should not have."""
        assert self._arrived.wait(5)
        time.sleep(0.3)

    def close(self) -> None:
        """Disconnect."""
        self.client.loop_stop()
        self.client.disconnect()


def test_device_credentials_work_on_their_home_only_until_removed(platform: Platform) -> None:
    api, broker = platform.api, platform.broker
    created = api.call(
        "POST",
        f"/v1/homes/{HOME_NORTH}/devices",
        "officer-north",
        json={"device_id": "th-1", "device_type": "th-sensor"},
    )
    assert created.status_code == 201, created.text
    mqtt_credentials = created.json()["mqtt"]
    assert mqtt_credentials["topic_prefix"] == PREFIX
    username, password = mqtt_credentials["username"], mqtt_credentials["password"]
    client_id = mqtt_credentials["client_id"]
    shown_later = api.call("GET", f"/v1/homes/{HOME_NORTH}/devices/th-1", "officer-north")
    assert shown_later.json()["mqtt_username"] == username
    assert password not in shown_later.text

    listener = Listener(broker)
    device, reason = connect(broker, username, password, client_id)
    assert reason is not None and not reason.is_failure
    own = reading_topic(HOME_NORTH, "th-1", PREFIX)
    assert publish_reason(device, own) == 0
    assert publish_reason(device, reading_topic(HOME_SOUTH, "th-1", PREFIX)) == NOT_AUTHORISED
    assert publish_reason(device, registry_topic(HOME_NORTH, PREFIX)) == NOT_AUTHORISED
    listener.wait()
    assert listener.topics == [own]

    dropped = threading.Event()
    device.on_disconnect = lambda *args: dropped.set()
    removed = api.call("DELETE", f"/v1/homes/{HOME_NORTH}/devices/th-1", "officer-north")
    assert removed.status_code == 200 and removed.json()["removed_at"] is not None
    assert dropped.wait(5), "the broker kept the removed device connected"
    device.loop_stop()
    again, reason_again = connect(broker, username, password, client_id)
    assert reason_again is not None and reason_again.is_failure
    again.loop_stop()
    listener.close()


def test_gateway_credentials_work_on_their_home_only_until_removed(platform: Platform) -> None:
    api, broker = platform.api, platform.broker
    created = api.call(
        "POST", f"/v1/homes/{HOME_SOUTH}/gateways", "admin", json={"gateway_id": "gw-1"}
    )
    assert created.status_code == 201, created.text
    credentials = created.json()["mqtt"]
    username, password = credentials["username"], credentials["password"]
    assert api.call("GET", f"/v1/homes/{HOME_SOUTH}/gateways/gw-1", "admin").status_code == 200

    gateway, reason = connect(broker, username, password, credentials["client_id"])
    assert reason is not None and not reason.is_failure
    # A gateway forwards the readings of its home's registered sensors and its own status.
    assert publish_reason(gateway, reading_topic(HOME_SOUTH, "ble-7", PREFIX)) == NOT_AUTHORISED
    sensor = {"device_id": "ble-7", "device_type": "pvvx"}
    assert (
        api.call("POST", f"/v1/homes/{HOME_SOUTH}/devices", "admin", json=sensor).status_code == 201
    )
    # The gateway's rights changed: the broker dropped it, and it comes back with them.
    gateway.loop_stop()
    gateway, reason = connect(broker, username, password, credentials["client_id"])
    assert reason is not None and not reason.is_failure
    assert publish_reason(gateway, reading_topic(HOME_SOUTH, "ble-7", PREFIX)) in ACCEPTED
    assert publish_reason(gateway, status_topic(HOME_SOUTH, "gw-1", PREFIX)) in ACCEPTED
    assert publish_reason(gateway, status_topic(HOME_SOUTH, "ble-7", PREFIX)) == NOT_AUTHORISED
    assert publish_reason(gateway, reading_topic(HOME_NORTH, "ble-7", PREFIX)) == NOT_AUTHORISED
    # Officers of another portfolio can neither install nor remove it.
    assert (
        api.call("DELETE", f"/v1/homes/{HOME_SOUTH}/gateways/gw-1", "officer-north").status_code
        == 404
    )

    dropped = threading.Event()
    gateway.on_disconnect = lambda *args: dropped.set()
    assert api.call("DELETE", f"/v1/homes/{HOME_SOUTH}/gateways/gw-1", "admin").status_code == 200
    assert dropped.wait(5), "the broker kept the removed gateway connected"
    gateway.loop_stop()
    again, reason_again = connect(broker, username, password, credentials["client_id"])
    assert reason_again is not None and reason_again.is_failure
    again.loop_stop()


def registry_facts(platform: Platform, home_id: str) -> dict[str, object]:
    """The retained registry message of `home_id` as a fresh ingest subscriber sees it."""
    payload = retained_message(platform.broker, *INGEST, registry_topic(home_id, PREFIX))
    assert payload is not None, f"no retained registry message for {home_id}"
    facts: dict[str, object] = json.loads(payload)
    return facts


def test_retained_registry_follows_device_room_and_consent_changes(platform: Platform) -> None:
    api = platform.api
    home = f"/v1/homes/{HOME_NORTH}"
    # Published for every home when the API connected.
    assert registry_facts(platform, HOME_SOUTH) == {"consent": True, "rooms": {}}
    for room_id, kind in (("bathroom", "bathroom"), ("bedroom-1", "bedroom")):
        room = {"room_id": room_id, "name": room_id, "kind": kind}
        assert api.call("POST", f"{home}/rooms", "officer-north", json=room).status_code == 201
    device = {"device_id": "th-1", "device_type": "th-sensor", "room_id": "bathroom"}
    assert api.call("POST", f"{home}/devices", "officer-north", json=device).status_code == 201
    assert registry_facts(platform, HOME_NORTH) == {"consent": True, "rooms": {"th-1": "bathroom"}}

    moved = api.call(
        "PATCH", f"{home}/devices/th-1", "officer-north", json={"room_id": "bedroom-1"}
    )
    assert moved.status_code == 200, moved.text
    assert registry_facts(platform, HOME_NORTH)["rooms"] == {"th-1": "bedroom-1"}

    withdrawn = api.call("PUT", f"{home}/consent", "tenant-north", json={"granted": False})
    assert withdrawn.status_code == 200, withdrawn.text
    assert registry_facts(platform, HOME_NORTH) == {
        "consent": False,
        "rooms": {"th-1": "bedroom-1"},
    }

    assert api.call("DELETE", f"{home}/devices/th-1", "officer-north").status_code == 200
    assert registry_facts(platform, HOME_NORTH) == {"consent": False, "rooms": {}}
