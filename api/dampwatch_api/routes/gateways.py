"""Gateways of a home: each has its own MQTT credentials, limited to its home's topics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy import select

from dampwatch.const import ID_PATTERN
from dampwatch_api.deps import ContextDep, HomeManage, HomeRead, SessionDep
from dampwatch_api.registry.models import Gateway, Home
from dampwatch_api.routes._devices_common import allow_gateways, provision, revoke
from dampwatch_api.schemas import GatewayCreated, GatewayIn, GatewayOut

router = APIRouter(prefix="/v1/homes/{home_id}/gateways", tags=["gateways"])
GatewayIdPath = Annotated[str, Path(pattern=ID_PATTERN)]


def _gateway(session: SessionDep, home: Home, gateway_id: str) -> Gateway:
    query = select(Gateway).where(Gateway.home_pk == home.id, Gateway.gateway_id == gateway_id)
    gateway = session.scalar(query)
    if gateway is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"gateway {gateway_id!r} not found")
    return gateway


@router.get("", response_model=list[GatewayOut])
def list_gateways(home: HomeRead, session: SessionDep) -> list[Gateway]:
    """The home's gateways."""
    query = select(Gateway).where(Gateway.home_pk == home.id).order_by(Gateway.gateway_id)
    return list(session.scalars(query))


@router.post("", response_model=GatewayCreated, status_code=status.HTTP_201_CREATED)
def create_gateway(
    body: GatewayIn, home: HomeManage, session: SessionDep, context: ContextDep
) -> GatewayCreated:
    """Install a gateway; the response carries its MQTT password, which is never shown again."""
    existing = session.scalar(
        select(Gateway).where(Gateway.home_pk == home.id, Gateway.gateway_id == body.gateway_id)
    )
    if existing is not None and existing.removed_at is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"gateway {body.gateway_id!r} already exists")
    gateway = existing or Gateway(home_pk=home.id, gateway_id=body.gateway_id)
    gateway.name = body.name
    gateway.installed_at, gateway.removed_at = datetime.now(UTC), None
    credentials = provision(context, home.home_id, body.gateway_id, gateway=True)
    gateway.mqtt_username = credentials.username if credentials else None
    session.add(gateway)
    allow_gateways(context, session, home)
    session.commit()
    return GatewayCreated(**GatewayOut.model_validate(gateway).model_dump(), mqtt=credentials)


@router.get("/{gateway_id}", response_model=GatewayOut)
def get_gateway(gateway_id: GatewayIdPath, home: HomeRead, session: SessionDep) -> Gateway:
    """One gateway."""
    return _gateway(session, home, gateway_id)


@router.delete("/{gateway_id}", response_model=GatewayOut)
def remove_gateway(
    gateway_id: GatewayIdPath, home: HomeManage, session: SessionDep, context: ContextDep
) -> Gateway:
    """Remove a gateway: its broker access ends at once."""
    gateway = _gateway(session, home, gateway_id)
    revoke(context, gateway.mqtt_username)
    if gateway.removed_at is None:
        gateway.removed_at = datetime.now(UTC)
    session.commit()
    return gateway
