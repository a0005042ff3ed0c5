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


@dataclass(slots=True)
class Session:
    """A connected paho client that records what it gets back."""

    client: mqtt.Client
    connack: ReasonCode | None = None
    messages: list[tuple[str, bytes]] = field(default_factory=list)
    pubacks: dict[int, ReasonCode] = field(default_factory=dict)
    subacks: list[list[ReasonCode]] = field(default_factory=list)
    _event: threading.Event = field(default_factory=threading.Event)

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


def connect(
    access: BrokerAccess,
    username: str | None,
    *,
    password: str | None = None,
    tls: bool = True,
    protocol: int = mqtt.MQTTv5,
    ca: Path | None = None,
    port: int | None = None,
) -> Session:
    """Connect and wait for the CONNACK (or the connection's failure)."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"attack-{username or 'anonymous'}-{time.monotonic_ns()}"[:60],
        protocol=protocol,
    )
    session = Session(client)
    if username is not None:
        client.username_pw_set(username, password or access.passwords.get(username))
    if tls:
        client.tls_set(ca_certs=str(ca or access.ca), tls_version=ssl.PROTOCOL_TLS_CLIENT)

    def on_connect(_c: Any, _u: Any, _f: Any, reason: ReasonCode, _p: Any) -> None:
        session.connack = reason
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
    client.on_disconnect = lambda *_args: session._event.set()
    default_port = access.tls_port if tls else access.plain_port
    try:
        client.connect("localhost" if tls else "127.0.0.1", port or default_port, keepalive=10)
    except (OSError, ssl.SSLError):
        return session
    client.loop_start()
    session._event.wait(15)  # a refusal answers at once; a busy broker may take a while
    if session.connack is None or session.connack.is_failure:
        client.loop_stop()
    return session


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


def send_raw(port: int, *chunks: bytes, read_s: float = 1.0) -> bytes:
    """Send bytes to the plain listener and return what came back before the broker hung up."""
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
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
