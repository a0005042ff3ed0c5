"""The home's broker: Zigbee2MQTT, Tasmota, ESPHome and native contract messages.

A persistent session with a stable client id keeps QoS 1 messages for the gateway while it
restarts; each message is acknowledged by the engine once what it carried is in the queue file.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from dampwatch.const import READING_LEAF
from dampwatch_gateway.config import GatewayConfig, LocalConfig
from dampwatch_gateway.events import Event, LocalMessage
from dampwatch_gateway.mqtt import make_client

_LOGGER = logging.getLogger(__name__)
QOS: Final = 1
TASMOTA_FILTERS: Final = ("tele/#", "stat/+/STATUS10")
ESPHOME_FILTER: Final = "+/sensor/+/state"


def subscriptions(local: LocalConfig, esphome_nodes: list[str]) -> list[str]:
    """Topic filters for the enabled sources."""
    filters: list[str] = []
    if local.zigbee2mqtt_topic:
        filters.append(f"{local.zigbee2mqtt_topic.rstrip('/')}/#")
    if local.tasmota:
        filters.extend(TASMOTA_FILTERS)
    if local.esphome:
        filters.append(ESPHOME_FILTER)
        # a node's topic prefix may contain '/', which the one-level wildcard cannot match
        filters.extend(f"{node}/sensor/+/state" for node in esphome_nodes if "/" in node)
    if local.native_topic_prefix:
        filters.append(f"{local.native_topic_prefix}/+/+/{READING_LEAF}")
    return filters


class LocalBroker:
    """Subscribes to the sensor topics and hands every message to the engine."""

    def __init__(
        self, config: GatewayConfig, events: queue.SimpleQueue[Event], esphome_nodes: list[str]
    ) -> None:
        assert config.local is not None
        self._local = config.local
        self._events = events
        self._filters = subscriptions(config.local, esphome_nodes)
        self._client = make_client(
            config.local,
            config.client_id(config.local, "local"),
            clean_session=False,
            manual_ack=True,
        )
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self.subscribed = threading.Event()

    @property
    def connected(self) -> bool:
        """True while the connection to the home's broker is up."""
        return self._client.is_connected()

    def start(self) -> None:
        """Connect in the background; paho reconnects by itself."""
        self._client.connect_async(self._local.host, self._local.port, self._local.keepalive_s)
        self._client.loop_start()

    def ack(self, mid: int, qos: int) -> None:
        """Acknowledge a message whose readings are safely queued."""
        if qos > 0:
            self._client.ack(mid, qos)

    def stop(self) -> None:
        """Disconnect, keeping the session for the next start."""
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            _LOGGER.error("home broker refused the connection: %s", reason_code)
            return
        _LOGGER.info(
            "connected to the home broker %s:%d (session %s), listening on %s",
            self._local.host,
            self._local.port,
            "resumed" if flags.session_present else "new",
            ", ".join(self._filters),
        )
        client.subscribe([(topic_filter, QOS) for topic_filter in self._filters])

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        refused = [str(code) for code in reason_codes if code.is_failure]
        if refused:
            _LOGGER.error("home broker refused subscriptions: %s", ", ".join(refused))
        self.subscribed.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.value != 0:
            _LOGGER.warning("home broker connection lost (%s); reconnecting", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:
            topic = message._topic.decode("utf-8", "replace")
        self._events.put(
            LocalMessage(topic, bytes(message.payload), message.mid, message.qos, message.retain)
        )
