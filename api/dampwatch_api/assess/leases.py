"""Partition leases in the SQL database: workers share the homes without a scheduler.

Each worker says it is alive (`assess_workers`), takes its share of the partitions (the
partitions divided by the live workers, rounded up) among those nobody holds or whose lease
ran out, renews its leases while it lives and gives back what is beyond its share. Claims
lock rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers never take the same
partition; a worker that dies stops renewing and another takes its partitions once the lease
runs out. Every claim raises the partition's token, and a run commits only while the token is
still the worker's (`fence`), so a worker that stalled past its lease cannot commit over the
one that took its place. Lease times are wall-clock; the assessment's own hours are not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from dampwatch_api.assess.partitions import AssessPartition, AssessRun, AssessWorker

# Workers not seen for this many lease periods are forgotten.
FORGET_AFTER_LEASES = 10


class PartitionCountConflict(RuntimeError):
    """Another live worker splits the homes into a different number of partitions."""


@dataclass(frozen=True)
class Lease:
    """A partition this worker holds, with the token its runs must still carry to commit."""

    partitions: int
    partition: int
    token: int


@dataclass(frozen=True)
class RunFacts:
    """What a committed run records."""

    first_hour: datetime
    end_hour: datetime
    homes: int
    rooms: int
    seconds: float


def heartbeat(session: Session, worker_id: str, now: datetime) -> None:
    """Record that the worker is alive now."""
    worker = session.get(AssessWorker, worker_id)
    if worker is None:
        session.add(AssessWorker(worker_id=worker_id, started_at=now, seen_at=now))
    else:
        worker.seen_at = now
    session.flush()


def live_workers(session: Session, now: datetime, lease: timedelta) -> int:
    """Workers seen within the last lease period."""
    seen = select(func.count()).select_from(AssessWorker).where(AssessWorker.seen_at > now - lease)
    return max(1, int(session.scalar(seen) or 0))


def _ensure_partitions(session: Session, partitions: int, now: datetime) -> None:
    """Create the split's rows; refuse when a live worker holds a different split."""
    other = AssessPartition.partitions != partitions
    held = select(AssessPartition.partitions).where(
        other, AssessPartition.owner.is_not(None), AssessPartition.lease_until > now
    )
    conflict = session.scalars(held.limit(1)).first()
    if conflict is not None:
        raise PartitionCountConflict(
            f"a live worker splits the homes into {conflict} partitions, this one into "
            f"{partitions}: give every worker the same DAMPWATCH_ASSESS_PARTITIONS"
        )
    session.execute(delete(AssessPartition).where(other))
    have = set(
        session.scalars(
            select(AssessPartition.partition).where(AssessPartition.partitions == partitions)
        )
    )
    for number in range(partitions):
        if number not in have:
            session.add(AssessPartition(partitions=partitions, partition=number, token=0))
    session.flush()


def claim(
    session: Session, worker_id: str, partitions: int, lease: timedelta, now: datetime
) -> list[Lease]:
    """Renew this worker's leases, give back those beyond its share, take free ones up to it.

    The caller commits; a concurrent creator of the rows makes the commit fail (try again).
    """
    heartbeat(session, worker_id, now)
    session.execute(
        delete(AssessWorker).where(AssessWorker.seen_at < now - lease * FORGET_AFTER_LEASES)
    )
    _ensure_partitions(session, partitions, now)
    share = math.ceil(partitions / live_workers(session, now, lease))
    split = AssessPartition.partitions == partitions
    mine = list(
        session.scalars(
            select(AssessPartition)
            .where(split, AssessPartition.owner == worker_id)
            .order_by(AssessPartition.partition)
            .with_for_update()
        )
    )
    for row in mine[share:]:  # beyond its share now that more workers live
        row.owner, row.lease_until = None, None
    mine = mine[:share]
    for row in mine:
        row.lease_until = now + lease
    wanted = share - len(mine)
    if wanted > 0:
        free = session.scalars(
            select(AssessPartition)
            .where(
                split,
                (AssessPartition.owner.is_(None)) | (AssessPartition.lease_until <= now),
            )
            .order_by(AssessPartition.partition)
            .limit(wanted)
            .with_for_update(skip_locked=True)
        )
        for row in free:
            row.owner, row.token, row.lease_until = worker_id, row.token + 1, now + lease
            mine.append(row)
    session.flush()
    return [Lease(row.partitions, row.partition, row.token) for row in mine]


def renew(session: Session, worker_id: str, lease: timedelta, now: datetime) -> int:
    """Extend every lease the worker still holds; the number held."""
    heartbeat(session, worker_id, now)
    result = session.execute(
        update(AssessPartition)
        .where(AssessPartition.owner == worker_id, AssessPartition.lease_until > now)
        .values(lease_until=now + lease)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def release(session: Session, worker_id: str) -> None:
    """Give back every lease and leave the workers (a clean stop: others take over at once)."""
    session.execute(
        update(AssessPartition)
        .where(AssessPartition.owner == worker_id)
        .values(owner=None, lease_until=None)
    )
    session.execute(delete(AssessWorker).where(AssessWorker.worker_id == worker_id))


def due(session: Session, lease: Lease, interval: timedelta, now: datetime) -> bool:
    """True when the partition has not been assessed within the interval."""
    row = session.get(AssessPartition, (lease.partitions, lease.partition))
    return row is not None and (row.assessed_at is None or now - row.assessed_at >= interval)


def fence(
    session: Session, lease: Lease, worker_id: str, facts: RunFacts | None, now: datetime
) -> bool:
    """Inside the run's transaction: lock the partition, check the lease is still this
    worker's, and record the run. False: the lease was taken over, roll back."""
    row = session.scalars(
        select(AssessPartition)
        .where(
            AssessPartition.partitions == lease.partitions,
            AssessPartition.partition == lease.partition,
        )
        .with_for_update()
    ).first()
    if row is None or row.owner != worker_id or row.token != lease.token:
        return False
    row.assessed_at = now
    if facts is not None:
        row.assessed_to = facts.end_hour
        session.add(
            AssessRun(
                partitions=lease.partitions,
                partition=lease.partition,
                end_hour=facts.end_hour,
                first_hour=facts.first_hour,
                worker_id=worker_id,
                token=lease.token,
                homes=facts.homes,
                rooms=facts.rooms,
                seconds=facts.seconds,
                finished_at=now,
            )
        )
    session.flush()
    return True
