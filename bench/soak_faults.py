"""Faults injected into a running stack, and a monitor measuring backlog, memory and drain times.

Drain time after a fault: seconds from the fault's end until InfluxDB holds at least as many
distinct readings as devices had sent when it ended, i.e. until storage caught up with everything
that was in flight, queued in a gateway or held by the broker during the fault.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.procs import peak_rss_mb
from bench.soak_checker import count_stored
from bench.soak_fleet import Ledger
from bench.soak_stack import Stack
from dampwatch_stack.servers import InfluxQueryError

SAMPLE_INTERVAL_S = 0.5
# The monitor counts stored points at most this often (a count over the database is not free).
COUNT_INTERVAL_S = 1.0


@dataclass(slots=True)
class FaultRecord:
    """One injected fault: when it ran (seconds since the monitor started) and its drain."""

    name: str
    started_s: float
    ended_s: float = 0.0
    target: int = 0
    drained_s: float | None = None


def restart_broker(stack: Stack) -> None:
    """Stop the platform broker cleanly (it persists its sessions) and start it again."""
    assert stack.broker is not None
    stack.broker.restart(timeout=20)


def kill_broker(stack: Stack) -> None:
    """SIGKILL the platform broker (a crash: no final save) and start it again."""
    assert stack.broker is not None
    stack.broker.kill()
    stack.broker.start(timeout=20)


def kill_ingest(stack: Stack, index: int, down_s: float = 2.0) -> None:
    """SIGKILL one ingest worker, leave it down for `down_s`, start it again."""
    worker = stack.ingest[index]
    worker.kill()
    time.sleep(down_s)
    worker.start()


def stop_influx(stack: Stack, seconds: float) -> None:
    """Stop InfluxDB for `seconds`, then start it again on the same port and data."""
    assert stack.influx is not None
    stack.influx.stop()
    time.sleep(seconds)
    stack.influx.start(timeout=60)


def cut_uplink(stack: Stack, index: int, seconds: float) -> None:
    """Cut one gateway's link to the platform broker for `seconds`."""
    link = stack.gateways[index].link
    link.cut()
    time.sleep(seconds)
    link.restore()


@dataclass(slots=True)
class Monitor:
    """Samples the stack every half second from a thread of its own."""

    stack: Stack
    ledger: Ledger
    backlog_max: int = 0
    peak_rss: dict[str, float] = field(default_factory=dict)
    stored: int = 0
    faults: list[FaultRecord] = field(default_factory=list)
    _started: float = field(default_factory=time.monotonic)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        """Begin sampling."""
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling (after one last sample)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self._sample(count=True)

    def elapsed(self) -> float:
        """Seconds since the monitor started."""
        return time.monotonic() - self._started

    def inject(self, name: str, action: Callable[[], None]) -> FaultRecord:
        """Run a fault (blocking for its duration) and register its drain measurement."""
        record = FaultRecord(name, self.elapsed())
        action()
        record.ended_s = self.elapsed()
        record.target = self.ledger.distinct()
        with self._lock:
            self.faults.append(record)
        return record

    def wait_drained(self, timeout: float) -> bool:
        """Block until every fault so far has drained."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if all(record.drained_s is not None for record in self.faults):
                    return True
            time.sleep(0.2)
        return False

    def _run(self) -> None:
        last_count = 0.0
        while not self._stop.wait(SAMPLE_INTERVAL_S):
            now = time.monotonic()
            count = now - last_count >= COUNT_INTERVAL_S
            if count:
                last_count = now
            self._sample(count=count)

    def _sample(self, *, count: bool) -> None:
        stack = self.stack
        self.backlog_max = max(self.backlog_max, stack.backlog())
        self._note_rss("mosquitto", stack.broker.pid if stack.broker else None)
        self._note_rss("influxd", stack.influx.pid if stack.influx else None)
        for worker in stack.ingest:
            process = worker.process
            self._note_rss("ingest (per worker)", process.pid if process else None)
        for node in stack.gateways:
            process = node.process.process
            self._note_rss("gateway", process.pid if process else None)
            self._note_rss("home mosquitto", node.local.pid)
        if count:
            self._count()

    def _note_rss(self, service: str, pid: int | None) -> None:
        if pid is None:
            return
        peak = peak_rss_mb(pid)
        if peak is not None:
            self.peak_rss[service] = max(self.peak_rss.get(service, 0.0), peak)

    def _count(self) -> None:
        stack = self.stack
        if stack.influx is None or not stack.influx.running:
            return
        try:
            self.stored = count_stored(stack.influx, stack.database)
        except (InfluxQueryError, OSError):
            return
        now = self.elapsed()
        with self._lock:
            for record in self.faults:
                if record.drained_s is None and self.stored >= record.target:
                    record.drained_s = now - record.ended_s
