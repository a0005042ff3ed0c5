"""MQTT helpers for API tests: a dynamic-security broker and clients that report refusals."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from dampwatch_api.broker.dynsec import broker_config, find_plugin, write_initial_config
from dampwatch_stack.servers import MosquittoServer

API_USERNAME = "dampwatch-api"
API_PASSWORD = "api-test-password"


@dataclass
class DynsecBroker:
    """A running broker with the plugin and the API's admin credentials."""

    server: MosquittoServer
    username: str = API_USERNAME
    password: str = API_PASSWORD


def start_dynsec_broker(factory: Callable[..., MosquittoServer], tmp_path: Path) -> DynsecBroker:
    """Start Mosquitto with the dynamic-security plugin and an initial admin client."""
    plugin = find_plugin()
    assert plugin is not None, "mosquitto_dynamic_security.so is missing (Debian mosquitto package)"
    config_file = tmp_path / "dynamic-security.json"
    write_initial_config(config_file, API_USERNAME, API_PASSWORD)
    server = factory(allow_anonymous=False, extra_config=broker_config(plugin, config_file))
    return DynsecBroker(server)


def connect(
    server: MosquittoServer, username: str, password: str, client_id: str
) -> tuple[mqtt.Client, mqtt.ReasonCode | None]:
    """Connect with MQTT 5 and return the client and the CONNACK reason (None on timeout)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.username_pw_set(username, password)
    answered = threading.Event()
    outcome: list[mqtt.ReasonCode] = []

    def on_connect(*args: object) -> None:
        outcome.append(args[3])  # type: ignore[arg-type]
        answered.set()

    client.on_connect = on_connect
    client.connect(*server.address)
    client.loop_start()
    answered.wait(5)
    return client, (outcome[0] if outcome else None)


def publish_reason(client: mqtt.Client, topic: str, payload: bytes = b"{}") -> int:
    """Publish at QoS 1 and return the PUBACK reason code value (135 = not authorised)."""
    codes: list[int] = []
    done = threading.Event()

    def on_publish(_c: object, _u: object, _mid: int, reason: object, _p: object) -> None:
        codes.append(int(getattr(reason, "value", 0)))
        done.set()

    client.on_publish = on_publish
    client.publish(topic, payload, qos=1).wait_for_publish(5)
    done.wait(5)
    return codes[0] if codes else -1


def retained_message(
    server: MosquittoServer, username: str, password: str, topic: str, timeout: float = 5
) -> bytes | None:
    """The retained message a fresh subscriber of `topic` receives (None when there is none)."""
    client, reason = connect(server, username, password, f"retained-{threading.get_ident()}")
    assert reason is not None and not reason.is_failure, reason
    received: list[bytes] = []
    arrived = threading.Event()

    def on_message(_c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        if message.retain:
            received.append(message.payload)
            arrived.set()

    client.on_message = on_message
    client.subscribe(topic, qos=1)
    arrived.wait(timeout)
    client.loop_stop()
    client.disconnect()
    return received[0] if received else None
