"""A buffered socket for paho-mqtt: one `recv` serves many small packets.

paho reads each packet with two to four `recv` calls (command byte, length bytes, body), a
system call each. Reading up to 64 KiB at once and serving paho from the buffer removes most
of them. paho already handles buffered sockets for TLS: when `pending()` is non-zero it reads
again without waiting in `select`, so no buffered byte is left waiting.
"""

from __future__ import annotations

import socket
from typing import Any

import paho.mqtt.client as mqtt

READ_SIZE = 65536


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
    """paho's client reading plain TCP connections through a BufferedSocket."""

    def _create_socket(self) -> Any:
        sock = super()._create_socket()
        if isinstance(sock, socket.socket) and not self._ssl:
            return BufferedSocket(sock)
        return sock
