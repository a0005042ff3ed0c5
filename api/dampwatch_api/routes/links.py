"""One-time links: officers invite a home's tenant, admins send a password reset; the holder of
a link (its token is the credential) signs up or sets a new password."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status
from pydantic import BaseModel, StringConstraints, field_validator, model_validator
from sqlalchemy import select

from dampwatch_api.auth.strength import weakness
from dampwatch_api.deps import Administrator, ContextDep, HomeManage, SessionDep, SignedIn
from dampwatch_api.onetime import (
    IssuedLink,
    LinkPurpose,
    LinkRefused,
    accept_invitation,
    issue_link,
    open_link,
    reset_password,
)
from dampwatch_api.registry.models import User
from dampwatch_api.routes.users import user_out
from dampwatch_api.schemas import Label, Text, UserOut

router = APIRouter(tags=["links"])
TokenPath = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
Password = Annotated[str, StringConstraints(min_length=10, max_length=200)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)]


class InvitationIn(BaseModel):
    """Whom to invite to sign up for the home."""

    name: Text
    email: Email | None = None


class LinkOut(BaseModel):
    """A new one-time link: `path` (with the token) is shown this once."""

    purpose: LinkPurpose
    path: str
    expires_at: datetime


class InvitationOut(BaseModel):
    """What an invitation's holder sees before signing up."""

    name: str | None
    address: str
    expires_at: datetime


class AcceptIn(BaseModel):
    """The tenant's chosen sign-in and their consent to readings being collected."""

    username: Label
    password: Password
    consent: bool

    @model_validator(mode="after")
    def _strong_password(self) -> AcceptIn:
        if reason := weakness(self.password, [self.username]):
            raise ValueError(f"the password is too weak: {reason}")
        return self


class NewPasswordIn(BaseModel):
    """A new password."""

    password: Password

    @field_validator("password")
    @classmethod
    def _strong_password(cls, password: str) -> str:
        if reason := weakness(password):
            raise ValueError(f"the password is too weak: {reason}")
        return password


def link_out(issued: IssuedLink) -> LinkOut:
    """The response form of a new link."""
    return LinkOut(
        purpose=LinkPurpose(issued.link.purpose),
        path=issued.path,
        expires_at=issued.link.expires_at,
    )


def _refused(error: LinkRefused) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, str(error))


@router.post(
    "/v1/homes/{home_id}/invitations", response_model=LinkOut, status_code=status.HTTP_201_CREATED
)
def invite_tenant(
    body: InvitationIn, home: HomeManage, principal: SignedIn, session: SessionDep
) -> LinkOut:
    """A one-time link (14 days) for the home's tenant to choose a sign-in."""
    issued = issue_link(
        session,
        LinkPurpose.INVITE,
        principal.name,
        home=home,
        tenant_name=body.name,
        email=body.email,
    )
    session.commit()
    return link_out(issued)


@router.get("/v1/invitations/{token}", response_model=InvitationOut)
def read_invitation(token: TokenPath, session: SessionDep) -> InvitationOut:
    """The invitation behind a link (404 once used or expired)."""
    try:
        link = open_link(session, token, LinkPurpose.INVITE)
    except LinkRefused as error:
        raise _refused(error) from error
    address = link.home.address if link.home is not None else ""
    return InvitationOut(name=link.tenant_name, address=address, expires_at=link.expires_at)


@router.post(
    "/v1/invitations/{token}/accept", response_model=UserOut, status_code=status.HTTP_201_CREATED
)
def accept(token: TokenPath, body: AcceptIn, session: SessionDep, context: ContextDep) -> UserOut:
    """Create the tenant's sign-in and tenancy, recording their consent."""
    try:
        user = accept_invitation(session, token, body.username, body.password, consent=body.consent)
    except LinkRefused as error:
        raise _refused(error) from error
    session.commit()
    if user.home is not None:
        context.registry.publish_home(user.home.home_id)
    return user_out(user)


@router.post(
    "/v1/users/{username}/password-reset",
    response_model=LinkOut,
    status_code=status.HTTP_201_CREATED,
)
def send_password_reset(
    username: Annotated[str, Path(min_length=1, max_length=100)],
    principal: Administrator,
    session: SessionDep,
) -> LinkOut:
    """A one-time link (24 hours) for the user to set a new password."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {username!r} not found")
    issued = issue_link(session, LinkPurpose.RESET, principal.name, user=user)
    session.commit()
    return link_out(issued)


@router.post("/v1/password-resets/{token}", status_code=status.HTTP_204_NO_CONTENT)
def set_new_password(token: TokenPath, body: NewPasswordIn, session: SessionDep) -> Response:
    """Set the new password of the link's user; the link then stops working."""
    try:
        reset_password(session, token, body.password)
    except LinkRefused as error:
        raise _refused(error) from error
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
