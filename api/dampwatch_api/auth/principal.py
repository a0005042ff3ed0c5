"""The authenticated caller, whether a person (JWT) or a machine (API key)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dampwatch_api.registry.models import Role


@dataclass(frozen=True, slots=True)
class Principal:
    """A caller's name, role and scope (portfolios for officers, a home for tenants)."""

    name: str
    role: Role
    portfolios: frozenset[str] = field(default_factory=frozenset)
    home_id: str | None = None
    user_pk: int | None = None
    via_api_key: bool = False
    token_version: int = 0  # a person's tokens older than this version are revoked
