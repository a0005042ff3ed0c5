"""The MQTT side: a paho-mqtt 2.x client with a persistent session and manual acknowledgement."""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.client import PUBACK
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from dampwatch.const import REGISTRY_BRANCH
from dampwatch.topics import reading_filter, registry_filter
from dampwatch_ingest.metrics import IngestMetrics
from dampwatch_ingest.mqtt_socket import BufferedClient
from dampwatch_ingest.registry import Registry
from dampwatch_ingest.settings import IngestSettings

_LOGGER = logging.getLogger(__name__)


# Called on paho's network thread for each reading message: topic, payload, mid, qos, connection.
MessageHandler = Callable[[str, bytes, int, int, int], None]
# A PUBACK without reason code or properties: fixed header and remaining length 2, then the mid.
PUBACK_HEADER = bytes([PUBACK, 2])


class Consumer:
    """Hands each reading message to `handler`; acknowledges it only once its points are stored.

    The handler decodes without blocking, so paho's network thread keeps answering keepalives
    however slow InfluxDB is. The broker sends at most Receive Maximum unacknowledged messages,
    which bounds what the worker holds: when writes stall it queues the rest in the session.
    """

    def __init__(
        self,
        settings: IngestSettings,
        metrics: IngestMetrics,
        registry: Registry,
        handler: MessageHandler,
    ) -> None:
        self._handler = handler
        self._settings = settings
        self._metrics = metrics
        self._registry = registry
        self._connection = 0  # bumped on every connect; acks of an older connection are dropped
        self._connected = threading.Event()
        self._registry_prefix = f"{settings.mqtt_topic_prefix}/{REGISTRY_BRANCH}/"
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        settings = self._settings
        client = BufferedClient(
            CallbackAPIVersion.VERSION2,
            client_id=settings.ingest_client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if settings.mqtt_username:
            password = settings.mqtt_password.get_secret_value() if settings.mqtt_password else None
            client.username_pw_set(settings.mqtt_username, password)
        if settings.mqtt_tls_ca is not None:
            client.tls_set(ca_certs=str(settings.mqtt_tls_ca), tls_version=ssl.PROTOCOL_TLS_CLIENT)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.lean_handler = self._on_reading
        return client

    def start(self) -> None:
        """Connect in the background; paho reconnects by itself after a loss."""
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = self._settings.ingest_session_expiry_s
        properties.ReceiveMaximum = self._settings.ingest_receive_maximum
        self._client.connect_async(
            self._settings.mqtt_host,
            self._settings.mqtt_port,
            keepalive=self._settings.mqtt_keepalive_s,
            clean_start=False,
            properties=properties,
        )
        self._client.loop_start()

    def wait_connected(self, timeout: float) -> bool:
        """Block until the first connection is up and its subscriptions are acknowledged."""
        return self._connected.wait(timeout)

    @property
    def connection(self) -> int:
        """The current connection's number."""
        return self._connection

    def ack(self, mid: int, qos: int, connection: int) -> None:
        """Acknowledge one message received on `connection`, if that connection still stands."""
        self.ack_many([(mid, qos, connection)])

    def ack_many(self, messages: Sequence[tuple[int, int, int]]) -> None:
        """Acknowledge messages (mid, qos, connection) whose points InfluxDB has accepted.

        Only messages of the current connection: after a reconnect the broker redelivers what was
        not acknowledged, and if it lost the session an old packet id may name another message.
        paho's public `ack()` queues one packet and wakes its network thread once per message;
        here the PUBACKs of a batch go out as one write, byte for byte what `ack()` would send.
        """
        current = self._connection
        mids = [mid for mid, qos, connection in messages if qos == 1 and connection == current]
        if not mids:
            return
        packet_queue = getattr(self._client, "_packet_queue", None)
        if packet_queue is None:  # a paho without the internal queue: one ack at a time
            for mid in mids:
                self._client.ack(mid, 1)
            return
        packet = b"".join([PUBACK_HEADER + mid.to_bytes(2, "big") for mid in mids])
        packet_queue(PUBACK, packet, 0, 0)

    def stop(self, timeout: float = 5.0) -> None:
        """Send the queued acknowledgements, disconnect keeping the session, stop the thread."""
        # DISCONNECT is queued behind the PUBACKs already queued, so they go out first
        self._client.disconnect()
        deadline = time.monotonic() + timeout
        while self._client.is_connected() and time.monotonic() < deadline:
            time.sleep(0.01)
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
            _LOGGER.error("MQTT broker refused the connection: %s", reason_code)
            return
        self._connection += 1
        _LOGGER.info(
            "connected to MQTT %s:%d as %s (session %s)",
            self._settings.mqtt_host,
            self._settings.mqtt_port,
            self._settings.ingest_client_id,
            "resumed" if flags.session_present else "new",
        )
        options = SubscribeOptions(qos=1)
        readings = reading_filter(
            self._settings.mqtt_topic_prefix, self._settings.ingest_share_group
        )
        client.subscribe(
            [(registry_filter(self._settings.mqtt_topic_prefix), options), (readings, options)]
        )
        self._metrics.mqtt_connected.set(1)

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
            _LOGGER.error("MQTT broker refused the subscriptions: %s", ", ".join(refused))
            return
        self._connected.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._metrics.mqtt_connected.set(0)
        if reason_code.value != 0:
            _LOGGER.warning("MQTT connection lost (%s); reconnecting", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:
            topic = repr(message._topic)
        if topic.startswith(self._registry_prefix):
            self._on_registry(topic, message)
            return
        self._handler(topic, bytes(message.payload), message.mid, message.qos, self._connection)

    def _on_reading(self, topic: str, payload: bytes, mid: int) -> bool:
        """A QoS 1 message from paho's lean path; registry messages go paho's usual way."""
        if topic.startswith(self._registry_prefix):
            return False
        self._handler(topic, payload, mid, 1, self._connection)
        return True

    def _on_registry(self, topic: str, message: mqtt.MQTTMessage) -> None:
        home_id = topic[len(self._registry_prefix) :]
        try:
            self._registry.update(home_id, bytes(message.payload))
        except (ValueError, OSError) as error:
            _LOGGER.error("ignoring registry message for %s: %s", home_id, error)
        self.ack(message.mid, message.qos, self._connection)
