"""Authorization in one place: may this principal do this action on this home?"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from sqlalchemy import ColumnElement, false, true

from dampwatch_api.auth.principal import Principal
from dampwatch_api.registry.models import Home, Role
from dampwatch_api.registry.statistics import statistics_condition

# Routes that need no credentials; every other route must carry a guard (tests enforce it).
PUBLIC_PATHS: Final = frozenset(
    {
        "/health",
        "/metrics",
        "/v1/auth/token",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        # The token in these paths is the credential (a one-time link's secret).
        "/v1/invitations/{token}",
        "/v1/invitations/{token}/accept",
        "/v1/password-resets/{token}",
        # Open data: only tables disclosure control let out (files of the last publication).
        "/v1/open/tables",
        "/v1/open/tables/{table}.csv",
        "/v1/open/tables/{table}.csv-metadata.json",
        "/v1/open/tables/catalog.jsonld",
    }
)
# Pages anyone may open: they show only published open-data tables.
OPEN_PAGES: Final = frozenset({"/region"})
# Routes that act on the caller alone, whoever it is (signing out ends the caller's tokens).
CALLER_ONLY_PATHS: Final = frozenset({"/v1/auth/logout"})


class Action(StrEnum):
    """What a route does to a home's data."""

    READ = "read"  # see the home, its rooms, devices, readings (tenants: aggregated) and alerts
    CONSENT = "consent"  # give or withdraw consent for the home's data
    MANAGE = "manage"  # change the registry, see tenants, work on alerts
    ADMINISTER = "administer"  # users, API keys, creating and deleting homes


TENANT_ACTIONS: Final = frozenset({Action.READ, Action.CONSENT})


def allowed(
    principal: Principal, home_id: str | None, portfolio: str | None, action: Action
) -> bool:
    """True when `principal` may do `action` on the home (or, with no home, platform-wide)."""
    if principal.role is Role.ADMIN:
        return True
    if action is Action.ADMINISTER or home_id is None:
        return False
    if principal.role is Role.OFFICER:
        return portfolio is not None and portfolio in principal.portfolios
    return principal.home_id == home_id and action in TENANT_ACTIONS


def may(principal: Principal, home: Home, action: Action) -> bool:
    """`allowed` for a loaded home."""
    return allowed(principal, home.home_id, home.portfolio, action)


def visible_homes(principal: Principal) -> ColumnElement[bool]:
    """A SQL condition on `Home` selecting the homes the principal may read."""
    if principal.role is Role.ADMIN:
        return true()
    if principal.role is Role.OFFICER:
        if not principal.portfolios:
            return false()
        return Home.portfolio.in_(sorted(principal.portfolios))
    if principal.home_id is None:
        return false()
    return Home.home_id == principal.home_id


def is_staff(principal: Principal) -> bool:
    """Officers and admins: the board, homes in their scope, colleagues. Never analysts."""
    return principal.role in (Role.ADMIN, Role.OFFICER)


def sees_protected_aggregates(principal: Principal) -> bool:
    """The data office (and admins) read the protected tables finer than the public ones."""
    return principal.role in (Role.ADMIN, Role.ANALYST)


def works_on_cases(principal: Principal) -> bool:
    """Officers (in their portfolios) and admins work on cases; tenants read only the written
    summaries of their own home (`Action.READ` on it)."""
    return principal.role in (Role.ADMIN, Role.OFFICER)


class PredictionView(StrEnum):
    """What a caller may see of the predicted risk of homes without sensors."""

    HOMES = "homes"  # each home in their scope, with its reasons (and area totals over them)
    AREAS = "areas"  # area totals over the whole register, never a home
    NONE = "none"


def prediction_view(principal: Principal) -> PredictionView:
    """Staff see their homes' predictions; analysts areas only; tenants nothing."""
    if principal.role in (Role.ADMIN, Role.OFFICER):
        return PredictionView.HOMES
    if principal.role is Role.ANALYST:
        return PredictionView.AREAS
    return PredictionView.NONE


def prediction_homes(principal: Principal) -> ColumnElement[bool]:
    """The homes whose predictions count towards what the principal sees: for analysts, area
    totals over every home statistics may count (no tenant opted out)."""
    if prediction_view(principal) is PredictionView.AREAS:
        return statistics_condition()
    return visible_homes(principal)


def imports_stock_facts(principal: Principal) -> bool:
    """Admins and officers import stock facts; each row still needs `Action.MANAGE` on its home."""
    return principal.role in (Role.ADMIN, Role.OFFICER)


def sees_other_people(principal: Principal) -> bool:
    """Staff see a home's tenancies, case notes and who did what; a tenant only their own."""
    return is_staff(principal)


def aggregated_only(principal: Principal) -> bool:
    """Tenants see hourly aggregates, never raw readings."""
    return principal.role in (Role.TENANT, Role.ANALYST)
