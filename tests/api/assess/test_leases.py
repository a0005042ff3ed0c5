"""Partition leases on PostgreSQL: shares, take-over after a lease runs out, fencing, locks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dampwatch_api.assess.leases import (
    PartitionCountConflict,
    RunFacts,
    claim,
    fence,
    release,
    renew,
)
from dampwatch_api.assess.partitions import AssessPartition, AssessRun
from dampwatch_api.db.migrate import migrate_engine
from tests.api.assess.conftest import _postgres_engine

LEASE = timedelta(seconds=60)
T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
def postgres() -> Iterator[sessionmaker[Session]]:
    """A migrated private PostgreSQL database (the leases' row locks are PostgreSQL's)."""
    for engine in _postgres_engine():
        migrate_engine(engine)
        yield sessionmaker(bind=engine, expire_on_commit=False)


def _claim(factory: sessionmaker[Session], worker: str, now: datetime, parts: int = 8) -> set[int]:
    with factory() as session:
        leases = claim(session, worker, parts, LEASE, now)
        session.commit()
    return {lease.partition for lease in leases}


def test_workers_share_the_partitions_and_give_back_beyond_their_share(
    postgres: sessionmaker[Session],
) -> None:
    assert _claim(postgres, "a", T0) == set(range(8))  # alone: every partition
    assert _claim(postgres, "b", T0 + timedelta(seconds=1)) == set()  # all held for now
    a_now = _claim(postgres, "a", T0 + timedelta(seconds=2))  # two live: a keeps half
    b_now = _claim(postgres, "b", T0 + timedelta(seconds=3))
    assert len(a_now) == 4 and len(b_now) == 4 and not a_now & b_now
    # b stops cleanly: its partitions are free at once and a takes them at its next claim.
    with postgres() as session:
        release(session, "b")
        session.commit()
    assert _claim(postgres, "a", T0 + timedelta(seconds=4)) == set(range(8))


def test_a_dead_workers_partitions_are_taken_after_its_lease_and_it_cannot_commit(
    postgres: sessionmaker[Session],
) -> None:
    with postgres() as session:
        stale = claim(session, "dead", 2, LEASE, T0)
        session.commit()
    assert _claim(postgres, "alive", T0 + LEASE / 2, parts=2) == set()  # leases still run
    later = T0 + LEASE + timedelta(seconds=1)  # "dead" renewed nothing
    with postgres() as session:
        taken = claim(session, "alive", 2, LEASE, later)
        session.commit()
    assert {lease.partition for lease in taken} == {0, 1}
    assert all(new.token == old.token + 1 for new, old in zip(taken, stale, strict=True))
    facts = RunFacts(T0, T0 + timedelta(hours=1), 10, 30, 1.0)
    with postgres() as session:  # the stalled worker wakes and tries to commit its run
        assert not fence(session, stale[0], "dead", facts, later)
        session.rollback()
    with postgres() as session:
        assert renew(session, "dead", LEASE, later) == 0
        assert fence(session, taken[0], "alive", facts, later)
        session.commit()
        runs = session.scalars(select(AssessRun)).all()
        assert [(run.partition, run.worker_id) for run in runs] == [(0, "alive")]


def test_a_run_is_recorded_once_per_partition_and_hour(postgres: sessionmaker[Session]) -> None:
    with postgres() as session:
        (lease,) = claim(session, "a", 1, LEASE, T0)
        session.commit()
    facts = RunFacts(T0, T0 + timedelta(hours=1), 10, 30, 1.0)
    with postgres() as session:
        assert fence(session, lease, "a", facts, T0)
        session.commit()
    with postgres() as session, pytest.raises(IntegrityError):
        fence(session, lease, "a", facts, T0)
        session.commit()


def test_concurrent_claims_skip_the_rows_another_is_claiming(
    postgres: sessionmaker[Session],
) -> None:
    first, second = postgres(), postgres()
    with first, second:
        # Both create the rows first, so only the lease rows' locks are contended below.
        claim(first, "setup", 8, timedelta(seconds=0), T0)
        first.commit()
        mine = claim(first, "a", 8, LEASE, T0)  # uncommitted: its rows stay locked
        theirs = claim(second, "b", 8, LEASE, T0)  # skips the locked rows, does not wait
        first.commit()
        second.commit()
    a = {lease.partition for lease in mine}
    b = {lease.partition for lease in theirs}
    assert a and b and not a & b


def test_a_worker_with_another_split_is_refused(postgres: sessionmaker[Session]) -> None:
    _claim(postgres, "a", T0, parts=8)
    with postgres() as session, pytest.raises(PartitionCountConflict, match="DAMPWATCH_ASSESS"):
        claim(session, "b", 4, LEASE, T0)
    # Once the other split's leases ran out, a new split replaces it.
    assert _claim(postgres, "b", T0 + 2 * LEASE, parts=4) == {0, 1, 2, 3}
    with postgres() as session:
        counts = set(session.scalars(select(AssessPartition.partitions)))
    assert counts == {4}
