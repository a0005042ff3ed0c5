"""Decoding in a process of its own, so paho's network thread keeps a core to itself.

Validation and line-protocol formatting cost about as much CPU as paho spends receiving a
message; under one GIL the two would share a core. The decoder process takes raw messages in
batches over a pipe and answers with `Decoded` results in the same order. If it dies, a new one
is started and every batch it had not answered is sent again: decoding is deterministic, so
nothing is lost and nothing is stored twice.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import multiprocessing
import queue
import signal
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from dampwatch.const import RejectReason
from dampwatch.logs import configure_logging
from dampwatch.readings import Rejection, excerpt
from dampwatch_ingest.pipeline import Decoded, MessageDecoder
from dampwatch_ingest.registry import HomeFacts, Registry

_LOGGER = logging.getLogger(__name__)
# How often one batch may take the decoder process down before it is decoded in this process.
MAX_ATTEMPTS = 3
# spawn, not fork: a fork would copy paho's and the writer's threads and locks mid-use.


@dataclass(frozen=True, slots=True)
class DecoderConfig:
    """What a decoder needs to know, in a form that crosses the process boundary."""

    prefix: str
    source: str
    retention_s: float
    log_level: str


def decode_all(decoder: MessageDecoder, topics: list[str], payloads: list[bytes]) -> list[Decoded]:
    """Decode each message; an unexpected error rejects that message, never the batch."""
    results = []
    for topic, payload in zip(topics, payloads, strict=True):
        try:
            results.append(decoder.decode(topic, payload))
        except Exception as error:
            _LOGGER.exception("could not decode a message on %s", topic)
            decoded = Decoded()
            rejection = Rejection(RejectReason.INTERNAL_ERROR, repr(error)[:300], excerpt(payload))
            decoder.reject(decoded, rejection, topic)
            results.append(decoded)
    return results


def _serve(connection: Connection, config: DecoderConfig, homes: dict[str, HomeFacts]) -> None:
    """The decoder process: answer decode requests until told to stop or the pipe closes."""
    # Ctrl-C reaches the whole process group; only the ingest decides when decoding ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure_logging(config.log_level)
    registry = Registry()
    registry.replace(homes)
    decoder = MessageDecoder(
        prefix=config.prefix,
        source=config.source,
        retention_s=config.retention_s,
        registry=registry,
        clock_lane=0,
    )
    # Answers leave from their own thread: while the ingest is busy sending the next batch, a
    # blocked answer must not stop this process from reading it (both pipe buffers full).
    outbox: queue.SimpleQueue[list[Decoded] | None] = queue.SimpleQueue()
    sender = threading.Thread(target=_send_answers, args=(connection, outbox), daemon=True)
    sender.start()
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            break  # the ingest is gone
        kind = request[0]
        if kind == "decode":
            outbox.put(decode_all(decoder, request[1], request[2]))
        elif kind == "registry":
            with contextlib.suppress(ValueError):  # the ingest has already logged it
                registry.update(request[1], request[2])
        else:
            break
    outbox.put(None)
    sender.join()


def _send_answers(connection: Connection, outbox: queue.SimpleQueue[list[Decoded] | None]) -> None:
    while (answer := outbox.get()) is not None:
        try:
            connection.send(answer)
        except OSError:
            return


class DecodeProcess:
    """Client side of the decoder process: submit batches, collect results in order."""

    def __init__(self, config: DecoderConfig, registry: Registry) -> None:
        self._config = config
        self._registry = registry
        self._context = multiprocessing.get_context("spawn")
        self._send_lock = threading.Lock()
        self._outstanding: collections.deque[tuple[list[str], list[bytes]]] = collections.deque()
        self._connection: Connection | None = None
        self._process: BaseProcess | None = None
        self._attempts = 0
        # decodes here when one batch keeps killing the decoder process
        self._local = MessageDecoder(
            prefix=config.prefix,
            source=config.source,
            retention_s=config.retention_s,
            registry=registry,
            clock_lane=1,
        )
        registry.add_listener(self._forward_registry)

    @property
    def pid(self) -> int | None:
        """The decoder process's pid while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start (or restart) the decoder process."""
        with self._send_lock:
            self._start_locked()

    def _start_locked(self) -> Connection:
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_serve,
            args=(theirs, self._config, self._registry.snapshot()),
            name="dampwatch-ingest-decoder",
            daemon=True,
        )
        process.start()
        theirs.close()
        self._connection, self._process = ours, process
        return ours

    def submit(self, topics: list[str], payloads: list[bytes]) -> None:
        """Send a batch to decode; `result()` returns the answers in submission order."""
        self._outstanding.append((topics, payloads))
        self._send(("decode", topics, payloads))

    def result(self) -> list[Decoded]:
        """The decoded messages of the oldest outstanding batch."""
        while True:
            connection = self._connection
            try:
                if connection is None:
                    raise EOFError
                results: list[Decoded] = connection.recv()
            except (EOFError, OSError):
                if self._recover():
                    continue
                topics, payloads = self._outstanding.popleft()
                return decode_all(self._local, topics, payloads)
            self._outstanding.popleft()
            self._attempts = 0
            return results

    def rejection_line(self, rejection: Rejection, topic: str) -> str:
        """The `rejected` line for a point InfluxDB refused (timestamps never collide)."""
        return self._local.decode_rejection(rejection, topic)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the decoder process and wait for it."""
        with self._send_lock:
            if self._connection is not None:
                with contextlib.suppress(OSError):
                    self._connection.send(("stop",))
            process, self._process = self._process, None
            connection, self._connection = self._connection, None
        if process is not None:
            process.join(timeout)
            if process.is_alive():
                process.kill()  # our own child, stuck
                process.join(timeout)
        if connection is not None:
            connection.close()

    def _send(self, message: tuple[Any, ...]) -> None:
        with self._send_lock:
            if self._connection is None:
                return  # result() restarts the process and resends what is outstanding
            try:
                self._connection.send(message)
            except OSError:
                self._connection = None

    def _recover(self) -> bool:
        """Replace a dead decoder and resend; False when the oldest batch must be decoded here."""
        self._attempts += 1
        exit_code = self._process.exitcode if self._process is not None else None
        _LOGGER.error(
            "the decoder process stopped (exit code %s, attempt %d); restarting it and resending "
            "%d batches",
            exit_code,
            self._attempts,
            len(self._outstanding),
        )
        with self._send_lock:
            if self._process is not None:
                self._process.join(1.0)
            if self._connection is not None:
                self._connection.close()
            self._connection = None
            connection = self._start_locked()
            # after repeated deaths the oldest batch is decoded here instead, the rest resent
            retry = self._attempts < MAX_ATTEMPTS
            if not retry:
                self._attempts = 0
            for topics, payloads in list(self._outstanding)[0 if retry else 1 :]:
                connection.send(("decode", topics, payloads))
        if not retry:
            _LOGGER.error("one batch keeps stopping the decoder; decoding it in the ingest itself")
        return retry

    def _forward_registry(self, home_id: str, payload: bytes) -> None:
        self._send(("registry", home_id, payload))
