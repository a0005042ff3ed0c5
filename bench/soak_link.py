"""A TCP link between a gateway and the platform broker that a test can cut and restore.

While cut, open connections are reset and new ones are refused (the listening port is closed),
which is what a home's broadband going down looks like to the gateway's MQTT client.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from typing import Self

from dampwatch_stack.servers import free_port

_CHUNK = 65536


class Link:
    """Forwards 127.0.0.1:port to an upstream address until `cut()`; `restore()` reopens it."""

    def __init__(self, upstream: tuple[str, int], port: int | None = None) -> None:
        self.upstream = upstream
        self.port = port if port is not None else free_port()
        self.cuts = 0
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._accepting: threading.Thread | None = None

    @property
    def is_up(self) -> bool:
        """True while the link forwards."""
        return self._listener is not None

    def start(self) -> Self:
        """Listen and forward."""
        with self._lock:
            if self._listener is not None:
                return self
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self._listener = listener
        self._accepting = threading.Thread(
            target=self._accept, args=(listener,), name=f"link-{self.port}", daemon=True
        )
        self._accepting.start()
        return self

    def cut(self) -> None:
        """Reset every connection and refuse new ones."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
            self.cuts += 1
        if listener is not None:
            _close(listener)
        for sock in sockets:
            _close(sock)
        if self._accepting is not None:
            self._accepting.join(5)

    def restore(self) -> None:
        """Accept connections again on the same port."""
        self.start()

    def stop(self) -> None:
        """Close everything."""
        self.cut()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                downstream, _ = listener.accept()
            except OSError:
                return  # the listener was closed by cut()
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(downstream)  # the broker is down: the gateway sees a refused link
                continue
            with self._lock:
                if self._listener is not listener:
                    _close(downstream)
                    _close(upstream)
                    return
                self._sockets.update((downstream, upstream))
            for source, target in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(_CHUNK):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            _close(sock)
            with self._lock:
                self._sockets.discard(sock)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
