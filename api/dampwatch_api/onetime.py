"""One-time links: a tenant's invitation to sign up, a password reset.

The link carries a random token (256 bits); only its SHA-256 is stored, so a copy of the
database opens no account. A link works once and expires.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from dampwatch_api.auth.passwords import hash_password
from dampwatch_api.db.base import Base, utc_now
from dampwatch_api.registry.models import ConsentEvent, Home, Role, Tenant, User

TOKEN_BYTES: Final = 32
CONSENT_VERSION: Final = "1"
LIFETIMES: Final = {"invite": timedelta(days=14), "reset": timedelta(hours=24)}


class LinkPurpose(StrEnum):
    """What a one-time link lets its holder do."""

    INVITE = "invite"  # create the tenant's sign-in for a home
    RESET = "reset"  # set a new password for a user


class LinkRefused(ValueError):
    """The link is unknown, used or expired, or what it asks cannot be done."""


class OneTimeLink(Base):
    """A one-time link's stored half (Alembic revision pages0001)."""

    __tablename__ = "one_time_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    user_pk: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    home_pk: Mapped[int | None] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"))
    tenant_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User | None] = relationship()
    home: Mapped[Home | None] = relationship()


@dataclass(frozen=True)
class IssuedLink:
    """A new link: the only moment its token exists in plain text."""

    link: OneTimeLink
    token: str

    @property
    def path(self) -> str:
        """Where the holder opens it on this site."""
        return f"/{self.link.purpose}/{self.token}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(
    session: Session,
    purpose: LinkPurpose,
    created_by: str,
    *,
    user: User | None = None,
    home: Home | None = None,
    tenant_name: str | None = None,
    email: str | None = None,
) -> IssuedLink:
    """Store a new link; the caller commits and hands the token to its holder."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = OneTimeLink(
        token_hash=_digest(token),
        purpose=purpose.value,
        user=user,
        home=home,
        tenant_name=tenant_name,
        email=email,
        created_by=created_by,
        expires_at=datetime.now(UTC) + LIFETIMES[purpose.value],
    )
    session.add(link)
    session.flush()
    return IssuedLink(link, token)


def open_link(session: Session, token: str, purpose: LinkPurpose) -> OneTimeLink:
    """The unused, unexpired link of `token`, or LinkRefused."""
    link = session.scalar(select(OneTimeLink).where(OneTimeLink.token_hash == _digest(token)))
    if link is None or link.purpose != purpose.value:
        raise LinkRefused("this link is not known")
    if link.used_at is not None:
        raise LinkRefused("this link has been used already")
    if link.expires_at <= datetime.now(UTC):
        raise LinkRefused("this link has expired")
    return link


def accept_invitation(
    session: Session, token: str, username: str, password: str, *, consent: bool
) -> User:
    """Create the tenant's sign-in and tenancy for the invited home; the caller commits."""
    link = open_link(session, token, LinkPurpose.INVITE)
    home = link.home
    if home is None:
        raise LinkRefused("the home of this invitation no longer exists")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise LinkRefused(f"the username {username!r} is taken; choose another")
    user = User(
        username=username, password_hash=hash_password(password), role=Role.TENANT.value, home=home
    )
    session.add(user)
    session.flush()
    now = datetime.now(UTC)
    tenant = Tenant(
        home_pk=home.id,
        name=link.tenant_name or username,
        email=link.email,
        user_pk=user.id,
        consent=consent,
        consent_version=CONSENT_VERSION,
        consent_at=now,
    )
    tenant.consent_events.append(
        ConsentEvent(
            granted=consent, version=CONSENT_VERSION, recorded_at=now, recorded_by=username
        )
    )
    session.add(tenant)
    link.used_at = now
    return user


def reset_password(session: Session, token: str, password: str) -> User:
    """Set the linked user's new password; the caller commits."""
    link = open_link(session, token, LinkPurpose.RESET)
    user = link.user
    if user is None or not user.active:
        raise LinkRefused("the account of this link is not active")
    user.password_hash = hash_password(password)
    user.token_version += 1  # a new password ends the sessions signed in with the old one
    link.used_at = datetime.now(UTC)
    return user
