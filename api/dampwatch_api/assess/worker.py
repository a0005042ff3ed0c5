"""One `dampwatch assess` worker: its leased partitions, each assessed in its own transaction.

Several workers may run against one PostgreSQL database (`docker compose up --scale
assess=N`); they share the partitions through leases (dampwatch_api.assess.leases). SQLite
keeps one partition and one worker. Each partition keeps its own memory of the last window
(HourlyCache), so a worker that keeps its partitions reads only new hours.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from dampwatch.assessment.config import DEFAULT_CONFIG, AssessmentConfig
from dampwatch.influx import InfluxQL, LineWriter
from dampwatch_api.assess.cycle import CycleReport, run_cycle
from dampwatch_api.assess.leases import Lease, RunFacts, claim, due, fence, release, renew
from dampwatch_api.assess.scope import HomeScope, known_homes, partition_scopes
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_api.assess.window import HourlyCache
from dampwatch_api.db.session import session_scope

log = logging.getLogger("dampwatch.assess")
# Workers started together may create the partition rows at once: one wins, the others retry.
CLAIM_ATTEMPTS = 3


def wall_clock() -> datetime:
    """Now, for leases (the assessment's hours may be given apart, as in benchmarks)."""
    return datetime.now(UTC)


def new_worker_id() -> str:
    """Host, process and a random part: unique across restarts and containers."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class LeaseLost(RuntimeError):
    """The partition was taken over by another worker before this run could commit."""


@dataclass
class PartitionReport:
    """One partition's cycle."""

    partition: int
    partitions: int
    homes: int
    report: CycleReport

    def label(self) -> str:
        """`partition 3/8 (1,250 homes): ` for the log; empty with one partition."""
        if self.partitions <= 1:
            return ""
        return f"partition {self.partition + 1}/{self.partitions} ({self.homes:,} homes): "


class Worker:
    """Claims partitions, assesses those due, renews its leases in the background."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        influx: InfluxQL,
        writer: LineWriter,
        settings: AssessSettings,
        *,
        partitions: int,
        config: AssessmentConfig = DEFAULT_CONFIG,
        worker_id: str | None = None,
    ) -> None:
        self.factory, self.influx, self.writer, self.settings = factory, influx, writer, settings
        self.partitions, self.config = partitions, config
        self.worker_id = worker_id or new_worker_id()
        self.lease = timedelta(seconds=settings.assess_lease_s)
        self.caches: dict[int, HourlyCache] = {}
        self._stop = threading.Event()
        self._renewer = threading.Thread(target=self._renew_loop, daemon=True)
        self._progress_at = time.monotonic()
        self._stall_logged = False

    def beat(self) -> None:
        """The worker made progress: keep renewing its leases; touch its heartbeat file."""
        self._progress_at = time.monotonic()
        self._stall_logged = False
        path = self.settings.assess_heartbeat_file
        if path is not None:
            try:
                path.touch()
            except OSError as error:
                log.warning("could not touch the heartbeat file %s: %s", path, error)

    def stalled(self) -> bool:
        """No progress for `assess_stall_s`: its partitions are better in other hands."""
        return time.monotonic() - self._progress_at > self.settings.assess_stall_s

    def start(self) -> None:
        """Say this worker is alive and keep its leases while it lives."""
        with session_scope(self.factory) as session:
            renew(session, self.worker_id, self.lease, wall_clock())
        self.beat()
        self._renewer.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.lease.total_seconds() / 3):
            if self.stalled():
                # The pass is stuck: the leases lapse, another worker takes the partitions and
                # this one's run, should it ever end, is refused by the fence.
                if not self._stall_logged:
                    log.error(
                        "no progress for %.0f s: leases no longer renewed, so other workers "
                        "take this worker's partitions",
                        self.settings.assess_stall_s,
                    )
                    self._stall_logged = True
                continue
            try:
                with session_scope(self.factory) as session:
                    renew(session, self.worker_id, self.lease, wall_clock())
            except OperationalError as error:  # the database is away: the lease may lapse
                log.warning("could not renew the partition leases: %s", error)

    def close(self) -> None:
        """Stop renewing and give the partitions back, so others take them at once."""
        self._stop.set()
        if self._renewer.is_alive():
            self._renewer.join()
        try:
            with session_scope(self.factory) as session:
                release(session, self.worker_id)
        except OperationalError as error:
            log.warning("could not give the partitions back (they lapse by themselves): %s", error)

    def claim(self) -> list[Lease]:
        """This worker's share of the partitions now (none while the claims keep colliding)."""
        leases: list[Lease] = []
        for attempt in range(CLAIM_ATTEMPTS):
            try:
                with session_scope(self.factory) as session:
                    now = wall_clock()
                    leases = claim(session, self.worker_id, self.partitions, self.lease, now)
                break
            except (IntegrityError, OperationalError) as error:  # workers starting together
                log.debug("partition claim collided (attempt %d): %s", attempt + 1, error)
        else:
            log.info("partition claims kept colliding; trying again at the next poll")
        held = {lease.partition for lease in leases}
        for number in list(self.caches):
            if number not in held:
                del self.caches[number]  # another worker's now: its memory would go stale
        return leases

    def scopes(self) -> list[HomeScope]:
        """The partitions' homes (every home in one scope when there is one partition)."""
        if self.partitions <= 1:
            return partition_scopes([], 1)
        with session_scope(self.factory) as session:
            homes = known_homes(session, self.influx)
        return partition_scopes(homes, self.partitions)

    def run_pass(
        self, now: datetime | None = None, *, force: bool = False
    ) -> Iterator[PartitionReport]:
        """Assess each held partition that is due (every one with `force`), one by one."""
        self.beat()
        leases = self.claim()
        interval = timedelta(seconds=self.settings.assess_interval_s)
        if not force:
            with session_scope(self.factory) as session:
                leases = [lease for lease in leases if due(session, lease, interval, wall_clock())]
        if not leases:
            return  # a poll with nothing due reads neither the registry nor InfluxDB's homes
        scopes = self.scopes()
        for number, lease in enumerate(leases):
            if number and lease.partition not in {held.partition for held in self.claim()}:
                continue  # given back: more workers live now than when the pass began
            yield self.run_partition(lease, scopes[lease.partition], now)

    def run_partition(
        self, lease: Lease, scope: HomeScope, now: datetime | None = None
    ) -> PartitionReport:
        """One cycle of one partition, committed only while the lease is still this worker's."""
        cache = self.caches.setdefault(lease.partition, HourlyCache())
        homes = 0 if scope.homes is None else len(scope.homes)
        started = time.monotonic()
        try:
            with session_scope(self.factory) as session:
                report = run_cycle(
                    session,
                    self.influx,
                    self.writer,
                    self.settings,
                    config=self.config,
                    now=now,
                    cache=cache,
                    scope=scope,
                    progress=self.beat,
                )
                facts = None
                if report.new_hours and report.first_hour and report.end_hour:
                    facts = RunFacts(
                        report.end_hour - timedelta(hours=report.new_hours),
                        report.end_hour,
                        homes,
                        report.rooms,
                        time.monotonic() - started,
                    )
                if not fence(session, lease, self.worker_id, facts, wall_clock()):
                    raise LeaseLost(f"partition {lease.partition} was taken over")
        except BaseException:
            self.caches.pop(lease.partition, None)  # its window may not match what is saved
            raise
        self.beat()
        return PartitionReport(lease.partition, lease.partitions, homes, report)
