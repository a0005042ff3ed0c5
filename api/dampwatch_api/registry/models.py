"""SQL models of the registry (Alembic branch `registry`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dampwatch_api.db.base import Base, utc_now

ID_LENGTH = 64


class Role(StrEnum):
    """Who a principal is: admin (everything), officer (their portfolios), tenant (their home),
    analyst (a data office: protected aggregates at fine grain, never a home or a person)."""

    ADMIN = "admin"
    OFFICER = "officer"
    TENANT = "tenant"
    ANALYST = "analyst"


class RoomKind(StrEnum):
    """What a room is used for; `outdoor` marks an outdoor sensor, never judged as a room."""

    BEDROOM = "bedroom"
    LIVING = "living"
    KITCHEN = "kitchen"
    BATHROOM = "bathroom"
    HALL = "hall"
    OTHER = "other"
    OUTDOOR = "outdoor"


class ConsentPurpose(StrEnum):
    """What a tenant consents to: readings collected from the home, or its use in statistics."""

    MONITORING = "monitoring"
    STATISTICS = "statistics"


class Home(Base):
    """A dwelling with its landlord facts and the vulnerabilities that raise its priority."""

    __tablename__ = "homes"

    id: Mapped[int] = mapped_column(primary_key=True)
    home_id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    address: Mapped[str] = mapped_column(String(500))
    postcode: Mapped[str] = mapped_column(String(16))
    landlord_ref: Mapped[str | None] = mapped_column(String(100))
    portfolio: Mapped[str] = mapped_column(String(100), index=True)
    patch: Mapped[str | None] = mapped_column(String(100))
    vulnerabilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    rooms: Mapped[list[Room]] = relationship(
        back_populates="home", cascade="all, delete-orphan", passive_deletes=True
    )
    devices: Mapped[list[Device]] = relationship(
        back_populates="home", cascade="all, delete-orphan", passive_deletes=True
    )
    gateways: Mapped[list[Gateway]] = relationship(
        back_populates="home", cascade="all, delete-orphan", passive_deletes=True
    )
    tenants: Mapped[list[Tenant]] = relationship(
        back_populates="home", cascade="all, delete-orphan", passive_deletes=True
    )


class Room(Base):
    """A room of a home, addressed by its slug (`bathroom`, `bedroom-1`)."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("home_pk", "room_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    home_pk: Mapped[int] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"))
    room_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    home: Mapped[Home] = relationship(back_populates="rooms")


class Device(Base):
    """A sensor in a home, optionally placed in a room; removed devices stay for history."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("home_pk", "device_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    home_pk: Mapped[int] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"))
    device_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    device_type: Mapped[str] = mapped_column(String(50))
    room_pk: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    expected_interval_s: Mapped[int] = mapped_column(default=300)
    battery_powered: Mapped[bool] = mapped_column(default=True)
    mqtt_username: Mapped[str | None] = mapped_column(String(200))
    installed_at: Mapped[datetime] = mapped_column(default=utc_now)
    removed_at: Mapped[datetime | None] = mapped_column(default=None)

    home: Mapped[Home] = relationship(back_populates="devices")
    room: Mapped[Room | None] = relationship()


class Gateway(Base):
    """An in-home gateway that forwards several sensors under its home's topics."""

    __tablename__ = "gateways"
    __table_args__ = (UniqueConstraint("home_pk", "gateway_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    home_pk: Mapped[int] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"))
    gateway_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    name: Mapped[str] = mapped_column(String(100), default="")
    mqtt_username: Mapped[str | None] = mapped_column(String(200))
    installed_at: Mapped[datetime] = mapped_column(default=utc_now)
    removed_at: Mapped[datetime | None] = mapped_column(default=None)

    home: Mapped[Home] = relationship(back_populates="gateways")


class Tenant(Base):
    """A tenancy of a home and its current consent to data collection."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    home_pk: Mapped[int] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    user_pk: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    consent: Mapped[bool] = mapped_column(default=False)
    consent_version: Mapped[str | None] = mapped_column(String(50))
    consent_at: Mapped[datetime | None] = mapped_column(default=None)
    # Counting the home in published area statistics: on unless the tenant opts out.
    statistics: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    home: Mapped[Home] = relationship(back_populates="tenants")
    consent_events: Mapped[list[ConsentEvent]] = relationship(
        back_populates="tenant",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ConsentEvent.id",
    )


class ConsentEvent(Base):
    """One grant or withdrawal of consent for a purpose: the history tenants and auditors read."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_pk: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(
        String(20), default=ConsentPurpose.MONITORING, server_default=ConsentPurpose.MONITORING
    )
    granted: Mapped[bool]
    version: Mapped[str] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)
    recorded_by: Mapped[str] = mapped_column(String(200))

    tenant: Mapped[Tenant] = relationship(back_populates="consent_events")


class User(Base):
    """A person who signs in: admin, officer (with portfolios) or tenant (with a home)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    portfolios: Mapped[list[str]] = mapped_column(JSON, default=list)
    home_pk: Mapped[int | None] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # Raised by signing out and by a new password: tokens issued before stop working.
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")

    home: Mapped[Home | None] = relationship()


class ApiKey(Base):
    """A machine credential: only a hash is stored; the prefix finds the row."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_prefix", "prefix", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    portfolios: Mapped[list[str]] = mapped_column(JSON, default=list)
    home_pk: Mapped[int | None] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    home: Mapped[Home | None] = relationship()


def json_list(value: Any) -> list[str]:
    """A JSON column's list of strings, tolerating NULL."""
    return [str(item) for item in value] if isinstance(value, list) else []
