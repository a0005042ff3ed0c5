"""What devices and gateways share: provisioning their broker access and revoking it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dampwatch_api.context import ApiContext
from dampwatch_api.registry.models import Device, Home
from dampwatch_api.schemas import MqttCredentials


def provision(
    context: ApiContext, home_id: str, client_id: str, *, gateway: bool = False
) -> MqttCredentials | None:
    """Create the broker client when provisioning is enabled; the password is returned once."""
    if context.dynsec is None:
        return None
    credentials = context.dynsec.provision(home_id, client_id, gateway=gateway)
    return MqttCredentials(
        username=credentials.username,
        password=credentials.password,
        client_id=credentials.client_id,
        topic_prefix=context.settings.mqtt_topic_prefix,
    )


def allow_gateways(context: ApiContext, session: Session, home: Home) -> None:
    """Let the home's gateways publish for exactly its installed devices (flushed changes)."""
    if context.dynsec is None:
        return
    session.flush()
    installed = select(Device.device_id).where(
        Device.home_pk == home.id, Device.removed_at.is_(None)
    )
    context.dynsec.set_home_devices(home.home_id, list(session.scalars(installed)))


def revoke(context: ApiContext, username: str | None) -> None:
    """Delete the broker client at once (the broker disconnects it)."""
    if context.dynsec is not None and username:
        context.dynsec.revoke(username)
