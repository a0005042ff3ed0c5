"""API keys for machines (admin only); a key is shown once, when created."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy import select

from dampwatch_api.auth.apikeys import ApiKeyError, create_api_key
from dampwatch_api.deps import Administrator, SessionDep
from dampwatch_api.registry.models import ApiKey, Role
from dampwatch_api.schemas import ApiKeyCreated, ApiKeyIn, ApiKeyOut

router = APIRouter(prefix="/v1/apikeys", tags=["apikeys"])


def key_out(key: ApiKey) -> ApiKeyOut:
    """The response form of a key."""
    return ApiKeyOut(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        role=Role(key.role),
        home_id=key.home.home_id if key.home is not None else None,
        portfolios=list(key.portfolios or []),
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


@router.get("", response_model=list[ApiKeyOut])
def list_keys(principal: Administrator, session: SessionDep) -> list[ApiKeyOut]:
    """Every key."""
    return [key_out(k) for k in session.scalars(select(ApiKey).order_by(ApiKey.id))]


@router.post("", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_key(body: ApiKeyIn, principal: Administrator, session: SessionDep) -> ApiKeyCreated:
    """Create a key; store it now, it is never shown again."""
    try:
        issued = create_api_key(
            session,
            name=body.name,
            role=body.role,
            home_id=body.home_id,
            portfolios=body.portfolios,
        )
    except ApiKeyError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    session.commit()
    return ApiKeyCreated(**key_out(issued.row).model_dump(), key=issued.key)


@router.delete("/{key_id}", response_model=ApiKeyOut)
def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=2**31 - 1)], principal: Administrator, session: SessionDep
) -> ApiKeyOut:
    """Revoke a key: it stops working at once."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"API key {key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
    session.commit()
    return key_out(key)
