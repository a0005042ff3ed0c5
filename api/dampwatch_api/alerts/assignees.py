"""Who a case can be given to: active staff whom the policy lets work on the home."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch_api.auth.principal import Principal
from dampwatch_api.policy import Action, allowed
from dampwatch_api.registry.models import Role, User, json_list

STAFF_ROLES = (Role.OFFICER.value, Role.ADMIN.value)


class AssigneeRefused(ValueError):
    """The named person cannot take the case (unknown, inactive, or not theirs to work on)."""


@dataclass(frozen=True)
class Assignee:
    """A person a case can go to."""

    username: str
    role: str
    portfolios: tuple[str, ...]

    @property
    def principal(self) -> Principal:
        """The person as the policy sees them."""
        return Principal(self.username, Role(self.role), frozenset(self.portfolios))

    def may_work_on(self, home_id: str, portfolio: str) -> bool:
        """The policy lets them work on cases of this home."""
        return allowed(self.principal, home_id, portfolio, Action.MANAGE)


def staff(session: Session) -> list[Assignee]:
    """Every active officer and administrator, by name."""
    rows = session.execute(
        select(User.username, User.role, User.portfolios)
        .where(User.active.is_(True), User.role.in_(STAFF_ROLES))
        .order_by(User.username)
    ).all()
    return [Assignee(row[0], row[1], tuple(sorted(json_list(row[2])))) for row in rows]


def assignable(
    session: Session, homes: list[tuple[str, str]], people: list[Assignee] | None = None
) -> list[Assignee]:
    """The staff who may work on every one of these (home id, portfolio) pairs."""
    return [
        person
        for person in (people if people is not None else staff(session))
        if all(person.may_work_on(home_id, portfolio) for home_id, portfolio in homes)
    ]


def check_assignee(session: Session, home_id: str, portfolio: str, username: str) -> str:
    """`username` when that person may take a case of this home, else `AssigneeRefused`."""
    name = username.strip()
    if not name:
        return ""
    person = next((item for item in staff(session) if item.username == name), None)
    if person is None:
        raise AssigneeRefused(f"{name!r} is not an active officer")
    if not person.may_work_on(home_id, portfolio):
        raise AssigneeRefused(f"{name} does not work on homes of portfolio {portfolio!r}")
    return name
