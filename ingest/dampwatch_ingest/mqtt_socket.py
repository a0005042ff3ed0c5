"""paho-mqtt's receive path made cheaper for the ingest: a buffered socket, a lean PUBLISH.

paho reads each packet with two to four `recv` calls (command byte, length bytes, body), a
system call each. Reading up to 64 KiB at once and serving paho from the buffer removes most
of them. paho already handles buffered sockets for TLS: when `pending()` is non-zero it reads
again without waiting in `select`, so no buffered byte is left waiting.

Then paho spends most of a small message's time on what the ingest never reads: an MQTT 5
`Properties` object for a PUBLISH that carries none, an `MQTTMessage` with its own condition
variable, a debug log line, a walk of topic-filtered callbacks, and one `select` per packet.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode

READ_SIZE = 65536
# Packets read per pass of paho's loop while the buffer holds more (paho reads one): a pass
# costs a `select` and paho's housekeeping, and PUBACKs queued meanwhile wait for at most this.
READ_BURST = 64
QOS1_FLAGS = 0x02
QOS_MASK = 0x06
# Given topic, payload and packet id of a QoS 1 PUBLISH without properties; False: let paho
# handle it as usual.
LeanHandler = Callable[[str, bytes, int], bool]


class BufferedSocket:
    """A plain TCP socket whose reads come from a buffer refilled in large chunks."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()

    def recv(self, bufsize: int) -> bytes:
        """Up to `bufsize` bytes; raises BlockingIOError like the socket when nothing is there."""
        if not self._buffer:
            chunk = self._sock.recv(READ_SIZE)
            if not chunk:
                return b""
            self._buffer += chunk
        data = bytes(self._buffer[:bufsize])
        del self._buffer[:bufsize]
        return data

    def pending(self) -> int:
        """Bytes already read from the socket and not yet handed to paho."""
        return len(self._buffer)

    def send(self, data: bytes | bytearray) -> int:
        """Send on the underlying socket."""
        return self._sock.send(data)

    def fileno(self) -> int:
        """The underlying socket's descriptor, for select()."""
        return self._sock.fileno()

    def setblocking(self, flag: bool) -> None:
        """Set blocking mode on the underlying socket."""
        self._sock.setblocking(flag)

    def close(self) -> None:
        """Close the underlying socket and drop what was buffered."""
        self._buffer.clear()
        self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class BufferedClient(mqtt.Client):
    """paho's client reading plain TCP connections through a BufferedSocket.

    With `lean_handler` set (manual acknowledgement, MQTT 5), a QoS 1 PUBLISH that carries no
    properties goes straight to it; everything else (QoS 0 or 2, properties, an empty or
    invalid topic, a short packet) takes paho's own path.
    """

    lean_handler: LeanHandler | None = None

    def _create_socket(self) -> Any:
        sock = super()._create_socket()
        if isinstance(sock, socket.socket) and not self._ssl:
            return BufferedSocket(sock)
        return sock

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """Read packets while the buffer holds bytes, up to READ_BURST (paho reads one)."""
        rc = super().loop_read(max_packets)
        sock = self._sock
        if not isinstance(sock, BufferedSocket):
            return rc
        burst, pending = READ_BURST, sock.pending
        # stop at an error, a reconnect (a new socket) or an empty buffer
        while rc == MQTTErrorCode.MQTT_ERR_SUCCESS and burst and pending():
            if self._sock is not sock:
                break
            rc = super().loop_read(max_packets)
            burst -= 1
        return rc

    def _handle_publish(self) -> MQTTErrorCode:
        handler = self.lean_handler
        command = self._in_packet["command"]
        if (
            handler is not None
            and (command & QOS_MASK) == QOS1_FLAGS
            and self._manual_ack
            and self._protocol == mqtt.MQTTv5
        ):
            packet = self._in_packet["packet"]
            topic_end = 2 + int.from_bytes(packet[:2], "big")
            # after the topic: packet id (2 bytes), then a property length of 0 (1 byte)
            if topic_end > 2 and len(packet) > topic_end + 2 and packet[topic_end + 2] == 0:
                try:
                    topic = packet[2:topic_end].decode("utf-8")
                except UnicodeDecodeError:
                    topic = ""
                mid = int.from_bytes(packet[topic_end : topic_end + 2], "big")
                if topic and mid:
                    payload = bytes(packet[topic_end + 3 :])
                    with self._in_callback_mutex:
                        if handler(topic, payload, mid):
                            return MQTTErrorCode.MQTT_ERR_SUCCESS
        return super()._handle_publish()
