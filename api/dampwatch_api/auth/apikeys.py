"""API keys for machines: `dwk_<prefix>_<secret>`, stored as a SHA-256 hash found by prefix.

The secret has 256 bits of entropy, so a fast hash is safe here (unlike passwords) and keeps
every authenticated request cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch_api.registry.models import ApiKey, Home, Role

KEY_MARK = "dwk"
PREFIX_BYTES = 6
SECRET_BYTES = 32


class ApiKeyError(ValueError):
    """An API key request that cannot be honoured (unknown home, tenant without home...)."""


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A newly created key: the only moment its plain text exists."""

    row: ApiKey
    key: str


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def split_key(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    parts = key.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != KEY_MARK or not parts[1] or not parts[2]:
        return None
    return parts[1]


def create_api_key(
    session: Session,
    *,
    name: str,
    role: Role,
    home_id: str | None = None,
    portfolios: list[str] | None = None,
) -> IssuedKey:
    """Create and store a key; tenants need a home, only officers carry portfolios."""
    home: Home | None = None
    if role is Role.TENANT and home_id is None:
        raise ApiKeyError("a tenant key needs --home")
    if home_id is not None:
        home = session.scalar(select(Home).where(Home.home_id == home_id))
        if home is None:
            raise ApiKeyError(f"unknown home {home_id!r}")
        if role is not Role.TENANT:
            raise ApiKeyError("only tenant keys are bound to a home")
    if portfolios and role is not Role.OFFICER:
        raise ApiKeyError("only officer keys carry portfolios")
    prefix = secrets.token_hex(PREFIX_BYTES)
    key = f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    row = ApiKey(
        name=name,
        prefix=prefix,
        key_hash=hash_key(key),
        role=role.value,
        portfolios=sorted(set(portfolios or [])),
        home=home,
    )
    session.add(row)
    session.flush()
    return IssuedKey(row, key)


def find_api_key(session: Session, key: str) -> ApiKey | None:
    """The live key row matching `key`, compared in constant time."""
    prefix = split_key(key)
    if prefix is None:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None or row.revoked_at is not None:
        return None
    return row if hmac.compare_digest(row.key_hash, hash_key(key)) else None
