"""The casework worker's pass: alerts into cases, deadlines watched, events delivered, the feed.

One pass, under the `casework` lease (a second worker stands by):
1. casework, in one transaction: open hazard alerts onto cases, alert changes to the outbox,
   the duties of every case touched or past a stored deadline brought up to date (step due,
   overdue, escalation events);
2. fan-out: outbox events into deliveries for the subscribers that want them;
3. delivery: the due heads of every subscriber, round after round while some arrive;
4. the daily feed, once a day after its time; pruning of old deliveries, now and then.
Every step commits before the next, so a `kill -9` at any point loses nothing: what was not
committed is done again on the next pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import urllib3
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from dampwatch.statutory import UK_TIMEZONE
from dampwatch_api.cases import feed
from dampwatch_api.cases.dutysync import lock_case, sync_duties
from dampwatch_api.cases.grouping import (
    case_alerts,
    clock_of,
    place_open_alerts,
    relay_alert_events,
    set_clock,
)
from dampwatch_api.cases.models import CaseDuty
from dampwatch_api.settings import ApiAppSettings
from dampwatch_api.webhooks.delivery import Deliverer
from dampwatch_api.webhooks.fanout import fan_out
from dampwatch_api.webhooks.lease import Lease
from dampwatch_api.webhooks.models import Delivery, OutboxEvent

log = logging.getLogger("dampwatch.casework")
LEASE_NAME: Final = "casework"
MAX_DELIVERY_ROUNDS: Final = 50
PRUNE_EVERY: Final = timedelta(hours=1)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real time."""
    return datetime.now(UTC)


@dataclass
class PassReport:
    """What one pass did."""

    leader: bool = False
    cases_synced: int = 0
    fanned_out: int = 0
    delivered: int = 0
    feed: Path | None = None


def past_deadline(session: Session, now: datetime) -> set[int]:
    """Cases with a stored duty still due whose deadline has passed."""
    query = select(CaseDuty.case_id).where(CaseDuty.status == "due", CaseDuty.due_by < now)
    return set(session.scalars(query.distinct()))


def casework(session: Session, now: datetime, settings: ApiAppSettings) -> int:
    """Alerts into cases, alert events out, duties up to date; the number of cases synced."""
    phase2 = settings.awaab_phase2_from
    touched = place_open_alerts(session, now, phase2)
    touched |= relay_alert_events(session)
    touched |= past_deadline(session, now)
    for case_id in sorted(touched):
        case = lock_case(session, case_id)
        if case is None:
            continue
        alerts = case_alerts(session, case)
        if case.status == "open" and case.investigated_at is None and alerts:
            set_clock(case, clock_of(alerts, phase2))
        sync_duties(session, case, now, settings.case_escalation_role)
    return len(touched)


def prune(session: Session, now: datetime, keep_days: int) -> None:
    """Forget deliveries that arrived, and fanned-out events none still waits for, when old."""
    before = now - timedelta(days=keep_days)
    session.execute(
        delete(Delivery).where(Delivery.status == "delivered", Delivery.delivered_at < before)
    )
    waiting = select(Delivery.outbox_id)
    session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.fanned_out.is_(True),
            OutboxEvent.created_at < before,
            OutboxEvent.id.not_in(waiting),
        )
    )


class CaseworkWorker:
    """The worker; `run_once` is one pass, which tests drive with a clock of their own."""

    def __init__(
        self,
        settings: ApiAppSettings,
        sessions: sessionmaker[Session],
        clock: Clock = utc_now,
        http: urllib3.PoolManager | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.lease = Lease(sessions, LEASE_NAME, settings.casework_lease_ttl_s)
        pool = http or urllib3.PoolManager(num_pools=32, maxsize=settings.webhook_concurrency)
        key = settings.secret_key.get_secret_value()
        self.deliverer = Deliverer(sessions, settings, key, clock, pool)
        self.pruned_at: datetime | None = None

    def _feed(self, now: datetime) -> Path | None:
        local = now.astimezone(UK_TIMEZONE)
        root = self.settings.feed_dir
        if (
            local.time() < self.settings.case_feed_time
            or (root / local.date().isoformat()).exists()
        ):
            return None
        with self.sessions() as session:
            rows = feed.gather(session, now)
        keep = self.settings.case_feed_keep_days
        return feed.write_daily(root, rows, local.date(), now, keep)

    def _deliver(self) -> int:
        delivered = 0
        for _round in range(MAX_DELIVERY_ROUNDS):
            if not self.lease.hold(self.clock()):
                break
            count = self.deliverer.run()
            delivered += count
            if count == 0:
                break
        return delivered

    def run_once(self) -> PassReport:
        """One pass, if this worker holds the lease."""
        now = self.clock()
        report = PassReport()
        if not self.lease.hold(now):
            return report
        report.leader = True
        with self.sessions() as session:
            report.cases_synced = casework(session, now, self.settings)
            session.commit()
        with self.sessions() as session:
            report.fanned_out = fan_out(session, self.clock())
            session.commit()
        report.delivered = self._deliver()
        report.feed = self._feed(self.clock())
        if self.pruned_at is None or now - self.pruned_at >= PRUNE_EVERY:
            with self.sessions() as session:
                prune(session, now, self.settings.webhook_retention_days)
                session.commit()
            self.pruned_at = now
        return report

    def stop(self) -> None:
        """Hand the lease over at once."""
        self.lease.release()
