"""Devices of a home: creating one returns its MQTT credentials once; deleting revokes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from sqlalchemy import select

from dampwatch.const import ID_PATTERN
from dampwatch_api.deps import ContextDep, HomeManage, HomeRead, SessionDep
from dampwatch_api.registry.models import Device, Home, Room
from dampwatch_api.routes._devices_common import allow_gateways, provision, revoke
from dampwatch_api.schemas import DeviceCreated, DeviceIn, DeviceOut, DevicePatch

router = APIRouter(prefix="/v1/homes/{home_id}/devices", tags=["devices"])
DeviceIdPath = Annotated[str, Path(pattern=ID_PATTERN)]


def device_out(device: Device) -> DeviceOut:
    """The response form of a device."""
    return DeviceOut(
        device_id=device.device_id,
        device_type=device.device_type,
        room_id=device.room.room_id if device.room is not None else None,
        expected_interval_s=device.expected_interval_s,
        battery_powered=device.battery_powered,
        mqtt_username=device.mqtt_username,
        installed_at=device.installed_at,
        removed_at=device.removed_at,
    )


def _room(session: SessionDep, home: Home, room_id: str | None) -> Room | None:
    if room_id is None:
        return None
    room = session.scalar(select(Room).where(Room.home_pk == home.id, Room.room_id == room_id))
    if room is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"no room {room_id!r} here")
    return room


def _device(session: SessionDep, home: Home, device_id: str) -> Device:
    query = select(Device).where(Device.home_pk == home.id, Device.device_id == device_id)
    device = session.scalar(query)
    if device is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"device {device_id!r} not found")
    return device


@router.get("", response_model=list[DeviceOut])
def list_devices(
    home: HomeRead, session: SessionDep, include_removed: bool = False
) -> list[DeviceOut]:
    """The home's devices, installed ones only unless asked."""
    query = select(Device).where(Device.home_pk == home.id).order_by(Device.device_id)
    if not include_removed:
        query = query.where(Device.removed_at.is_(None))
    return [device_out(device) for device in session.scalars(query)]


@router.post("", response_model=DeviceCreated, status_code=status.HTTP_201_CREATED)
def create_device(
    body: DeviceIn, home: HomeManage, session: SessionDep, context: ContextDep
) -> DeviceCreated:
    """Install a device; the response carries its MQTT password, which is never shown again."""
    existing = session.scalar(
        select(Device).where(Device.home_pk == home.id, Device.device_id == body.device_id)
    )
    if existing is not None and existing.removed_at is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"device {body.device_id!r} already exists")
    device = existing or Device(home_pk=home.id, device_id=body.device_id)
    device.device_type = body.device_type
    device.room = _room(session, home, body.room_id)
    device.expected_interval_s = body.expected_interval_s
    device.battery_powered = body.battery_powered
    device.installed_at, device.removed_at = datetime.now(UTC), None
    credentials = provision(context, home.home_id, body.device_id)
    device.mqtt_username = credentials.username if credentials else None
    session.add(device)
    allow_gateways(context, session, home)
    session.commit()
    context.registry.publish_home(home.home_id)
    return DeviceCreated(**device_out(device).model_dump(), mqtt=credentials)


@router.get("/{device_id}", response_model=DeviceOut)
def get_device(device_id: DeviceIdPath, home: HomeRead, session: SessionDep) -> DeviceOut:
    """One device."""
    return device_out(_device(session, home, device_id))


@router.patch("/{device_id}", response_model=DeviceOut)
def update_device(
    device_id: DeviceIdPath,
    body: DevicePatch,
    home: HomeManage,
    session: SessionDep,
    context: ContextDep,
) -> DeviceOut:
    """Change a device; moving it between rooms reaches the ingest within seconds."""
    device = _device(session, home, device_id)
    changes = body.model_dump(exclude_unset=True)
    if "room_id" in changes:
        device.room = _room(session, home, changes.pop("room_id"))
    for name, value in changes.items():
        if value is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} cannot be null")
        setattr(device, name, value)
    session.commit()
    context.registry.publish_home(home.home_id)
    return device_out(device)


@router.delete("/{device_id}", response_model=DeviceOut)
def remove_device(
    device_id: DeviceIdPath, home: HomeManage, session: SessionDep, context: ContextDep
) -> DeviceOut:
    """Remove a device: its broker access ends at once; its history stays."""
    device = _device(session, home, device_id)
    revoke(context, device.mqtt_username)
    if device.removed_at is None:
        device.removed_at = datetime.now(UTC)
    allow_gateways(context, session, home)
    session.commit()
    context.registry.publish_home(home.home_id)
    return device_out(device)
