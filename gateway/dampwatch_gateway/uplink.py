"""The uplink: QoS 1 publishes to the platform's broker, PUBACKs reported as events.

paho keeps a message it has accepted until the broker acknowledges it and sends it again after
a reconnect, so a batch handed over is never handed over twice by this process; after a crash
the queue file still holds it and it goes up again (the store overwrites the duplicate).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from dampwatch.topics import reading_topic, status_topic
from dampwatch_gateway.config import GatewayConfig
from dampwatch_gateway.events import Acked, Event, UplinkChanged
from dampwatch_gateway.mqtt import MQTT_SUCCESS, make_client
from dampwatch_gateway.status import iso

_LOGGER = logging.getLogger(__name__)
QOS: Final = 1
# The engine bounds what is in flight by rows (at most one message per row); paho's own limit
# must never be the one that holds messages back, or they would wait in paho's memory.
_STATUS_SLOTS: Final = 2


class Uplink:
    """Publishes reading batches and the retained status; reconnects with backoff by itself."""

    def __init__(self, config: GatewayConfig, events: queue.SimpleQueue[Event]) -> None:
        self._config = config
        self._uplink = config.uplink
        self._events = events
        self._connected = threading.Event()
        self.status_topic = status_topic(
            config.home_id, config.gateway_id, config.uplink.topic_prefix
        )
        self._client = make_client(
            config.uplink,
            config.client_id(config.uplink, "up"),
            clean_session=True,
            reconnect=(config.uplink.reconnect_min_s, config.uplink.reconnect_max_s),
        )
        self._client.max_inflight_messages_set(
            config.uplink.max_inflight * config.uplink.batch_size + _STATUS_SLOTS
        )
        self._client.max_queued_messages_set(0)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish
        self._set_will()

    @property
    def connected(self) -> bool:
        """True while the broker connection is up."""
        return self._connected.is_set()

    def topic(self, device: str) -> str:
        """The contract v1 reading topic of a device in this home."""
        return reading_topic(self._config.home_id, device, self._uplink.topic_prefix)

    def start(self) -> None:
        """Connect in the background; a broker that is down is retried with backoff."""
        self._client.connect_async(self._uplink.host, self._uplink.port, self._uplink.keepalive_s)
        self._client.loop_start()

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> int | None:
        """Hand a QoS 1 message to paho; its mid, or None when the connection is down."""
        if not self.connected:
            return None
        info = self._client.publish(topic, payload, qos=QOS, retain=retain)
        if info.rc != MQTT_SUCCESS:
            _LOGGER.debug("publish to %s not accepted now: %s", topic, mqtt.error_string(info.rc))
            return None
        return info.mid

    def publish_status(self, document: dict[str, Any]) -> int | None:
        """Publish the retained status."""
        return self.publish(self.status_topic, _compact(document), retain=True)

    def stop(self, offline: dict[str, Any], timeout_s: float = 5.0) -> None:
        """Leave an `online: false` status behind (it replaces the will), then disconnect."""
        if self.connected:
            info = self._client.publish(self.status_topic, _compact(offline), qos=QOS, retain=True)
            deadline = time.monotonic() + timeout_s
            while not info.is_published() and self.connected and time.monotonic() < deadline:
                time.sleep(0.02)
        self._client.disconnect()
        self._client.loop_stop()

    def _set_will(self) -> None:
        # The will is the broker's word that this gateway went away without saying goodbye.
        will = {"online": False, "ts": iso(time.time()), "reason": "connection lost"}
        self._client.will_set(self.status_topic, _compact(will), qos=QOS, retain=True)

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            _LOGGER.error("uplink broker refused the connection: %s", reason_code)
            return
        self._connected.set()
        where = f"{self._uplink.host}:{self._uplink.port}"
        self._events.put(UplinkChanged(True, f"connected to {where}"))

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        self._set_will()  # the next connection's will carries the time it was made
        if was_connected:
            self._events.put(UplinkChanged(False, f"connection lost ({reason_code})"))

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._events.put(Acked(mid))


def _compact(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), allow_nan=False).encode("utf-8")
