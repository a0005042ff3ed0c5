"""The MQTT side: a paho-mqtt 2.x client with a persistent session and manual acknowledgement."""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from dampwatch.const import REGISTRY_BRANCH
from dampwatch.topics import reading_filter, registry_filter
from dampwatch_ingest.metrics import IngestMetrics
from dampwatch_ingest.registry import Registry
from dampwatch_ingest.settings import IngestSettings

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Inbound:
    """A received message, not yet acknowledged."""

    mid: int
    qos: int
    topic: str
    payload: bytes
    connection: int
    received_ns: int


class Consumer:
    """Receives readings into `inbox`; `ack` is called only once their points are stored.

    `on_message` only enqueues, so paho's network thread keeps answering keepalives however slow
    InfluxDB is. The broker sends at most Receive Maximum unacknowledged messages, which bounds
    the inbox: when writes stall the broker queues the rest in the persistent session.
    """

    def __init__(
        self, settings: IngestSettings, metrics: IngestMetrics, registry: Registry
    ) -> None:
        self.inbox: queue.SimpleQueue[Inbound] = queue.SimpleQueue()
        self._settings = settings
        self._metrics = metrics
        self._registry = registry
        self._connection = 0  # bumped on every connect; acks of an older connection are dropped
        self._connected = threading.Event()
        self._registry_prefix = f"{settings.mqtt_topic_prefix}/{REGISTRY_BRANCH}/"
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        settings = self._settings
        client = mqtt.Client(
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
        """Acknowledge a message received on `connection`, if that connection still stands.

        After a reconnect the broker redelivers what was not acknowledged; if it lost the session,
        a packet id of the old connection may name a different message now, so never ack it.
        """
        if qos > 0 and connection == self._connection:
            self._client.ack(mid, qos)

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
        self._metrics.messages.inc()
        self._metrics.backlog.inc()
        self.inbox.put(
            Inbound(
                message.mid,
                message.qos,
                topic,
                bytes(message.payload),
                self._connection,
                time.time_ns(),
            )
        )

    def _on_registry(self, topic: str, message: mqtt.MQTTMessage) -> None:
        home_id = topic[len(self._registry_prefix) :]
        try:
            self._registry.update(home_id, bytes(message.payload))
        except (ValueError, OSError) as error:
            _LOGGER.error("ignoring registry message for %s: %s", home_id, error)
        self.ack(message.mid, message.qos, self._connection)
