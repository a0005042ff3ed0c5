"""Who a case can be given to: for one home, or for the caller's homes (the board's picker)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from dampwatch_api.alerts.assignees import Assignee, assignable, staff
from dampwatch_api.auth.principal import Principal
from dampwatch_api.deps import HomeManage, SessionDep, SignedIn
from dampwatch_api.policy import works_on_cases
from dampwatch_api.registry.models import Role

router = APIRouter(tags=["alerts"])


class AssigneeOut(BaseModel):
    """A person a case can go to."""

    username: str
    role: Role
    portfolios: list[str]


def assignee_out(person: Assignee) -> AssigneeOut:
    """The response form of an assignee."""
    return AssigneeOut(
        username=person.username, role=Role(person.role), portfolios=list(person.portfolios)
    )


def colleagues(session: SessionDep, principal: Principal) -> list[Assignee]:
    """Staff sharing a portfolio with the caller (everyone for an administrator)."""
    people = staff(session)
    if principal.role is Role.ADMIN:
        return people
    return [
        person
        for person in people
        if person.role == Role.ADMIN.value or principal.portfolios & set(person.portfolios)
    ]


@router.get("/v1/homes/{home_id}/assignees", response_model=list[AssigneeOut])
def home_assignees(home: HomeManage, session: SessionDep) -> list[AssigneeOut]:
    """Active officers and administrators who may work on this home's cases."""
    people = assignable(session, [(home.home_id, home.portfolio)])
    return [assignee_out(person) for person in people]


@router.get("/v1/assignees", response_model=list[AssigneeOut])
def my_colleagues(principal: SignedIn, session: SessionDep) -> list[AssigneeOut]:
    """Staff who work on at least one of the caller's portfolios (for bulk assignment)."""
    if not works_on_cases(principal):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not allowed to manage")
    return [assignee_out(person) for person in colleagues(session, principal)]
