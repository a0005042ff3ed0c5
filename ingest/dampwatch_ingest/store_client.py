"""The ingest's side of the store process: hand over raw batches, hear which ones are stored.

If the store process dies, a new one is started and every batch not yet reported stored is sent
again: readings overwrite themselves, so nothing is lost and nothing is stored twice. A batch
that keeps taking the process down is recorded as rejected instead of decoded.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from dampwatch_ingest.registry import Registry
from dampwatch_ingest.settings import IngestSettings
from dampwatch_ingest.store_process import StoreReport, serve

_LOGGER = logging.getLogger(__name__)
# Deaths of the store process while one batch is the oldest unfinished before it is quarantined.
MAX_ATTEMPTS = 3
READY_TIMEOUT_S = 60.0


class StoreStartError(RuntimeError):
    """The store process could not be started."""


@dataclass(slots=True)
class Outstanding:
    """A batch handed to the store process and not yet reported stored."""

    topics: list[str]
    payloads: list[bytes]
    received_ns: int
    attempts: int = 0


class StoreProcess:
    """Starts, feeds and if need be restarts the store process."""

    def __init__(
        self,
        settings: IngestSettings,
        registry: Registry,
        on_report: Callable[[StoreReport, bool], None],
    ) -> None:
        self._settings = settings
        self._registry = registry
        self._on_report = on_report  # (report, fresh process)
        # spawn, not fork: a fork would copy paho's and the writer's threads and locks mid-use
        self._context = multiprocessing.get_context("spawn")
        self._send_lock = threading.Lock()
        self._outstanding: dict[int, Outstanding] = {}
        self._next_id = 0
        self._connection: Connection | None = None
        self._process: BaseProcess | None = None
        self._fresh = True

    @property
    def pid(self) -> int | None:
        """The store process's pid while it runs."""
        return self._process.pid if self._process is not None else None

    @property
    def outstanding(self) -> int:
        """Batches handed over and not yet reported stored."""
        return len(self._outstanding)

    def start(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Start the store process and wait until it can store: no message is taken before."""
        with self._send_lock:
            connection = self._start_locked()
        try:
            if not connection.poll(timeout) or connection.recv()[0] != "ready":
                raise StoreStartError(f"the store process was not ready within {timeout:.0f} s")
        except (EOFError, OSError) as error:
            exit_code = self._process.exitcode if self._process is not None else None
            raise StoreStartError(
                f"the store process stopped while starting (exit code {exit_code})"
            ) from error

    def _start_locked(self) -> Connection:
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=serve,
            args=(theirs, self._settings, self._registry.snapshot()),
            name="dampwatch-ingest-store",
            daemon=True,
        )
        process.start()
        theirs.close()
        self._connection, self._process = ours, process
        self._fresh = True
        return ours

    def submit(self, topics: list[str], payloads: list[bytes], received_ns: int) -> int:
        """Hand over a batch; returns its id, which `poll` reports once the batch is stored."""
        batch_id = self._next_id
        self._next_id += 1
        self._outstanding[batch_id] = Outstanding(topics, payloads, received_ns)
        self._send(("batch", batch_id, topics, payloads, received_ns, False))
        return batch_id

    def poll(self, timeout: float) -> list[int]:
        """Wait up to `timeout` for reports; returns the ids of batches now stored."""
        connection = self._connection
        stored: list[int] = []
        try:
            if connection is None:
                raise EOFError
            ready = connection.poll(timeout)
            while ready:
                message: tuple[Any, ...] = connection.recv()
                if message[0] == "ready":  # a replacement process has started
                    ready = connection.poll(0)
                    continue
                if message[0] == "done":
                    self._outstanding.pop(message[1], None)
                    stored.append(message[1])
                self._on_report(message[-1], self._fresh)
                self._fresh = False
                ready = connection.poll(0)
        except (EOFError, OSError):
            self._recover()
        return stored

    def abandon(self) -> None:
        """Tell the store process to stop retrying and exit, leaving its batch unstored."""
        self._send(("abandon",))

    def close(self, timeout: float = 10.0) -> None:
        """Stop the store process once it has finished what it holds, and wait for it."""
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
                return  # poll() restarts the process and resends what is outstanding
            try:
                self._connection.send(message)
            except OSError:
                self._connection = None

    def _recover(self) -> None:
        """Replace a dead store process and resend every batch not reported stored."""
        exit_code = self._process.exitcode if self._process is not None else None
        with self._send_lock:
            if self._process is not None:
                self._process.join(1.0)
            if self._connection is not None:
                self._connection.close()
            connection = self._start_locked()
            oldest = min(self._outstanding, default=None)
            for batch_id, batch in sorted(self._outstanding.items()):
                quarantine = False
                if batch_id == oldest:
                    batch.attempts += 1
                    quarantine = batch.attempts >= MAX_ATTEMPTS
                connection.send(
                    ("batch", batch_id, batch.topics, batch.payloads, batch.received_ns, quarantine)
                )
        _LOGGER.error(
            "the store process stopped (exit code %s); restarted it and resent %d batches",
            exit_code,
            len(self._outstanding),
        )

    def update_registry(self, home_id: str, payload: bytes) -> None:
        """Apply a registry message in the store process, after every batch handed over so far."""
        self._send(("registry", home_id, payload))
