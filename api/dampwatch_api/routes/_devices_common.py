"""What devices and gateways share: provisioning their broker access and revoking it."""

from __future__ import annotations

from dampwatch_api.context import ApiContext
from dampwatch_api.schemas import MqttCredentials


def provision(context: ApiContext, home_id: str, client_id: str) -> MqttCredentials | None:
    """Create the broker client when provisioning is enabled; the password is returned once."""
    if context.dynsec is None:
        return None
    username, password = context.dynsec.provision(home_id, client_id)
    return MqttCredentials(
        username=username, password=password, topic_prefix=context.settings.mqtt_topic_prefix
    )


def revoke(context: ApiContext, username: str | None) -> None:
    """Delete the broker client at once (the broker disconnects it)."""
    if context.dynsec is not None and username:
        context.dynsec.revoke(username)
