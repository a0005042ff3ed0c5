"""MQTT clients for the attack tests: paho connections that report refusals, and raw packets."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

QUIET_S = 1.5  # how long a subscriber listens to prove that nothing arrives


@dataclass(frozen=True, slots=True)
class BrokerAccess:
    """How to reach one broker under test and the credentials it knows."""

    name: str
    tls_port: int
    plain_port: int
    ca: Path
    passwords: dict[str, str]
    services_tls: bool = True  # services log in on the TLS listener (else the loopback one)


@dataclass(slots=True)
class Session:
    """A connected paho client that records what it gets back."""

    client: mqtt.Client
    connack: ReasonCode | None = None
    messages: list[tuple[str, bytes]] = field(default_factory=list)
    pubacks: dict[int, ReasonCode] = field(default_factory=dict)
    subacks: list[list[ReasonCode]] = field(default_factory=list)
    dropped: threading.Event = field(default_factory=threading.Event)
    session_present: bool = False
    _event: threading.Event = field(default_factory=threading.Event)

    @property
    def up(self) -> bool:
        """Connected and never dropped since."""
        return (
            self.connack is not None and not self.connack.is_failure and not self.dropped.is_set()
        )

    def topics(self) -> list[str]:
        """The topics of the messages received so far."""
        return [topic for topic, _ in self.messages]

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> ReasonCode:
        """Publish with QoS 1 and return the PUBACK's reason code."""
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(5)
        deadline = time.monotonic() + 5
        while info.mid not in self.pubacks and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.pubacks[info.mid]

    def subscribe(self, topic_filter: str) -> list[ReasonCode]:
        """Subscribe with QoS 1 and return the SUBACK's reason codes."""
        count = len(self.subacks)
        self.client.subscribe(topic_filter, qos=1)
        deadline = time.monotonic() + 5
        while len(self.subacks) == count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.subacks[count]

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


@dataclass(frozen=True, slots=True)
class Will:
    """A last will: published by the broker when the connection drops."""

    topic: str
    payload: bytes
    retain: bool = True


def connect(
    access: BrokerAccess,
    username: str | None,
    *,
    password: str | None = None,
    tls: bool = True,
    protocol: int = mqtt.MQTTv5,
    ca: Path | None = None,
    port: int | None = None,
    client_id: str | None = None,
    clean_start: bool = True,
    will: Will | None = None,
) -> Session:
    """Connect and wait for the CONNACK (or the connection's failure).

    clean_start False asks for the session the client id had (kept a day once disconnected).
    """
    if client_id is None:
        client_id = f"attack-{username or 'anonymous'}-{time.monotonic_ns()}"[:60]
    v5 = protocol == mqtt.MQTTv5
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=protocol,
        clean_session=None if v5 else clean_start,
        # An attacker's session never returns: a dropped or refused connection ends its
        # network thread at once (no reconnect wait for loop_stop to sit out).
        reconnect_on_failure=False,
    )
    session = Session(client)
    if username is not None:
        client.username_pw_set(username, password or access.passwords.get(username))
    if tls:
        client.tls_set(ca_certs=str(ca or access.ca), tls_version=ssl.PROTOCOL_TLS_CLIENT)
    if will is not None:
        client.will_set(will.topic, will.payload, qos=1, retain=will.retain)

    def on_connect(_c: Any, _u: Any, flags: Any, reason: ReasonCode, _p: Any) -> None:
        session.connack = reason
        session.session_present = bool(getattr(flags, "session_present", False))
        session._event.set()

    def on_disconnect(*_args: Any) -> None:
        session.dropped.set()
        session._event.set()

    def on_publish(_c: Any, _u: Any, mid: int, reason: ReasonCode, _p: Any) -> None:
        session.pubacks[mid] = reason

    def on_subscribe(_c: Any, _u: Any, _mid: int, codes: list[ReasonCode], _p: Any) -> None:
        session.subacks.append(codes)

    def on_message(_c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        session.messages.append((message.topic, bytes(message.payload)))

    client.on_connect = on_connect
    client.on_publish = on_publish
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.on_connect_fail = lambda _c, _u: session._event.set()
    client.on_disconnect = on_disconnect
    default_port = access.tls_port if tls else access.plain_port
    properties = None
    if v5:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 0 if clean_start else 86_400
    try:
        client.connect(
            "localhost" if tls else "127.0.0.1",
            port or default_port,
            keepalive=10,
            clean_start=clean_start if v5 else mqtt.MQTT_CLEAN_START_FIRST_ONLY,
            properties=properties,
        )
    except (OSError, ssl.SSLError):
        return session
    client.loop_start()
    session._event.wait(15)  # a refusal answers at once; a busy broker may take a while
    if session.connack is None or session.connack.is_failure:
        client.loop_stop()
    return session


def service(access: BrokerAccess, username: str, **kwargs: Any) -> Session:
    """A platform service's connection, on the listener services use."""
    return connect(access, username, tls=access.services_tls, **kwargs)


def _varint(length: int) -> bytes:
    out = bytearray()
    while True:
        byte, length = length % 128, length // 128
        out.append(byte | (0x80 if length else 0))
        if not length:
            return bytes(out)


def _string(value: bytes) -> bytes:
    return len(value).to_bytes(2, "big") + value


def connect_packet(client_id: str, username: str, password: str) -> bytes:
    """An MQTT 3.1.1 CONNECT with credentials and a clean session."""
    body = _string(b"MQTT") + bytes([4, 0xC2]) + (30).to_bytes(2, "big")
    body += _string(client_id.encode()) + _string(username.encode()) + _string(password.encode())
    return bytes([0x10]) + _varint(len(body)) + body


def publish_packet(topic: bytes, payload: bytes) -> bytes:
    """A QoS 0 PUBLISH with the topic bytes as given (valid UTF-8 or not)."""
    body = _string(topic) + payload
    return bytes([0x30]) + _varint(len(body)) + body


def send_raw(port: int, *chunks: bytes, read_s: float = 1.0, ca: Path | None = None) -> bytes:
    """Send bytes and return what came back before the broker hung up (TLS when `ca`)."""
    received = b""
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    if ca is not None:
        context = ssl.create_default_context(cafile=str(ca))
        raw = context.wrap_socket(raw, server_hostname="localhost")
    with raw as sock:
        for chunk in chunks:
            try:
                sock.sendall(chunk)
            except OSError:
                break  # the broker closed the connection mid-way: that is the point
            time.sleep(0.1)
        sock.settimeout(read_s)
        try:
            while data := sock.recv(4096):
                received += data
        except OSError:
            pass
    return received
