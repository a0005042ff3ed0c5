"""What the assessment needs from the API's registry tables, with defaults when they are absent."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from dampwatch_api.assess.scope import ALL_HOMES, HomeScope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceFacts:
    """A registered device's placement and reporting allowance."""

    home_id: str
    device_id: str
    room: str
    expected_interval_s: float | None
    battery_powered: bool


@dataclass
class RegistryFacts:
    """Room kinds, devices and vulnerability flags per home; empty without a registry."""

    room_kinds: dict[tuple[str, str], str] = field(default_factory=dict)
    room_names: dict[tuple[str, str], str] = field(default_factory=dict)  # as registered
    devices: dict[tuple[str, str], DeviceFacts] = field(default_factory=dict)
    vulnerabilities: dict[str, list[str]] = field(default_factory=dict)


def read_registry(session: Session, scope: HomeScope = ALL_HOMES) -> RegistryFacts:
    """Read the scope's homes, rooms and devices if the registry's tables exist here."""
    facts = RegistryFacts()
    tables = set(inspect(session.connection()).get_table_names())
    if not {"homes", "rooms", "devices"} <= tables:
        log.info("no registry tables: default allowances, rooms judged by their names")
        return facts
    from dampwatch_api.registry.models import Device, Home, Room, json_list  # noqa: PLC0415

    in_scope = scope.where(Home.home_id)
    for home_id, vulnerabilities in session.execute(
        select(Home.home_id, Home.vulnerabilities).where(in_scope)
    ):
        facts.vulnerabilities[home_id] = json_list(vulnerabilities)
    for home_id, room_id, kind, name in session.execute(
        select(Home.home_id, Room.room_id, Room.kind, Room.name)
        .join(Room, Room.home_pk == Home.id)
        .where(in_scope)
    ):
        facts.room_kinds[home_id, room_id] = kind
        if name:
            facts.room_names[home_id, room_id] = name
    query = (
        select(Home.home_id, Device, Room.room_id)
        .join(Device, Device.home_pk == Home.id)
        .outerjoin(Room, Device.room_pk == Room.id)
        .where(Device.removed_at.is_(None), in_scope)
    )
    for home_id, device, room_id in session.execute(query):
        facts.devices[home_id, device.device_id] = DeviceFacts(
            home_id,
            device.device_id,
            room_id or "",
            float(device.expected_interval_s) if device.expected_interval_s else None,
            bool(device.battery_powered),
        )
    return facts
