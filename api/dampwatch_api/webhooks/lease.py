"""A lease in the SQL database: one holder at a time runs a singleton job, others stand by.

The holder renews the lease on every pass; if it dies (even by `kill -9`), the lease runs out
after its time to live and a standby, or the restarted process, takes over.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from dampwatch_api.webhooks.models import WorkerLease

NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class Lease:
    """The lease `name`, held by this process's random holder id."""

    def __init__(self, sessions: sessionmaker[Session], name: str, ttl_s: float) -> None:
        self.sessions = sessions
        self.name = name
        self.ttl = timedelta(seconds=ttl_s)
        self.holder = uuid.uuid4().hex

    def hold(self, now: datetime) -> bool:
        """Take or renew the lease; False while another live holder has it."""
        try:
            with self.sessions() as session:
                row = session.get(WorkerLease, self.name, with_for_update=True)
                if row is None:
                    session.add(WorkerLease(name=self.name, holder=self.holder, expires_at=now))
                    row = session.get(WorkerLease, self.name)
                    assert row is not None
                elif row.holder != self.holder and row.expires_at > now:
                    return False
                row.holder, row.expires_at = self.holder, now + self.ttl
                session.commit()
                return True
        except (IntegrityError, OperationalError):
            return False  # another process took it at the same moment (or the database is busy)

    def release(self) -> None:
        """Give the lease up at once (a clean stop): a standby need not wait for it to expire."""
        with self.sessions() as session:
            row = session.get(WorkerLease, self.name, with_for_update=True)
            if row is not None and row.holder == self.holder:
                row.expires_at = NEVER
                session.commit()
