"""Limits on failed sign-ins that slow guessing down without locking anyone out.

Three counts over a sliding window, kept in SQL so every API worker sees the same ones:
- one client guessing one account: refused (429) after `per_account_client` failures, which
  stops that client only; the account's owner elsewhere still signs in;
- one client guessing many accounts: refused after `per_client` failures;
- one account guessed from many clients: every attempt on it waits before its answer, twice as
  long for each further failure up to `max_delay_s`, the right password included; nobody is
  refused, so nobody can lock a known officer out.
The client is the peer address, or the forwarded one when the peer is a trusted proxy
(`DAMPWATCH_TRUSTED_PROXIES`, applied by uvicorn before the request gets here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import ColumnElement, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from dampwatch_api.db.base import Base, UtcDateTime, utc_now

FIRST_DELAY_S: Final = 0.25
USERNAME_LENGTH: Final = 100
CLIENT_LENGTH: Final = 64


class SignInFailure(Base):
    """One failed sign-in: which account name was tried, from where, when."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), index=True)
    client: Mapped[str] = mapped_column(String(CLIENT_LENGTH), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True, default=utc_now)


@dataclass(frozen=True, slots=True)
class SignInLimits:
    """How many failures a window allows, and how far the slow-down goes."""

    per_account_client: int
    per_client: int
    window_s: float
    max_delay_s: float


@dataclass(frozen=True, slots=True)
class Verdict:
    """Refuse with Retry-After, or answer after a delay."""

    retry_after: int | None = None
    delay_s: float = 0.0


def _key(username: str) -> str:
    # Usernames are compared as typed elsewhere; counting folds case so `Admin` is `admin`.
    return username.strip().lower()[:USERNAME_LENGTH]


class LoginRateLimiter:
    """Counts failed sign-ins in SQL and turns them into a verdict for the next attempt."""

    def __init__(self, limits: SignInLimits, sessions: sessionmaker[Session]) -> None:
        self.limits = limits
        self._sessions = sessions

    def _since(self, now: datetime) -> datetime:
        return now - timedelta(seconds=self.limits.window_s)

    def _oldest(self, session: Session, where: ColumnElement[bool], count: int) -> int | None:
        """Seconds until the window forgets enough failures, when `count` is reached."""
        rows = session.execute(
            select(func.count(SignInFailure.id), func.min(SignInFailure.at)).where(where)
        ).one()
        if rows[0] < count:
            return None
        oldest: datetime = rows[1]
        left = (oldest - self._since(utc_now())).total_seconds()
        return max(1, math.ceil(left))

    def verdict(self, username: str, client: str) -> Verdict:
        """What to do with the next attempt on `username` from `client` (blocking: SQL)."""
        name, client = _key(username), client[:CLIENT_LENGTH]
        since = self._since(utc_now())
        recent = SignInFailure.at > since
        with self._sessions() as session:
            for where, count in (
                (recent & (SignInFailure.client == client), self.limits.per_client),
                (
                    recent & (SignInFailure.client == client) & (SignInFailure.username == name),
                    self.limits.per_account_client,
                ),
            ):
                retry_after = self._oldest(session, where, count)
                if retry_after is not None:
                    return Verdict(retry_after=retry_after)
            failures = session.scalar(
                select(func.count(SignInFailure.id)).where(recent, SignInFailure.username == name)
            )
        return Verdict(delay_s=self.delay_after(int(failures or 0)))

    def delay_after(self, failures: int) -> float:
        """The wait before answering an account that failed this often in the window."""
        free = self.limits.per_account_client
        if failures < free:
            return 0.0
        return float(min(self.limits.max_delay_s, FIRST_DELAY_S * 2.0 ** (failures - free)))

    def record_failure(self, username: str, client: str) -> None:
        """Count one failed attempt, forgetting those the window no longer holds."""
        with self._sessions() as session:
            session.execute(delete(SignInFailure).where(SignInFailure.at <= self._since(utc_now())))
            session.add(SignInFailure(username=_key(username), client=client[:CLIENT_LENGTH]))
            session.commit()

    def reset(self, username: str, client: str) -> None:
        """Forget this client's failures on this account after it signed in."""
        with self._sessions() as session:
            session.execute(
                delete(SignInFailure).where(
                    SignInFailure.username == _key(username),
                    SignInFailure.client == client[:CLIENT_LENGTH],
                )
            )
            session.commit()
