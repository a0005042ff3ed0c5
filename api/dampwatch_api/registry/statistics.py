"""Which homes published statistics may count: those none of whose tenants opted out.

Tenants choose this apart from consent to monitoring (`ConsentPurpose.STATISTICS`); a change is
in SQL at once, so the next publication honours it. A publisher selects its homes with
`counted_for_statistics` (or joins on `statistics_condition`), never from `homes` alone.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from dampwatch_api.registry.models import Home, Tenant


def home_counted(home: Home) -> bool:
    """A loaded home may be counted unless one of its tenants has opted out."""
    return all(tenant.statistics for tenant in home.tenants)


def statistics_condition() -> ColumnElement[bool]:
    """A SQL condition on `Home`: no tenant of the home has opted out of statistics."""
    opted_out = select(Tenant.id).where(Tenant.home_pk == Home.id, Tenant.statistics.is_(False))
    return ~exists(opted_out)


def counted_for_statistics(session: Session) -> set[str]:
    """The home ids published statistics may count."""
    return set(session.scalars(select(Home.home_id).where(statistics_condition())))
