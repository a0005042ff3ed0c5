"""Who may do what on the broker under dynamic security: every right is granted, none assumed.

The plugin's defaults deny publishing and subscribing; receiving is denied too
(`DEFAULT_ACL_ACCESS`), so a client gets a message only when a role grants both the
subscription and its delivery. A device or gateway client is bound to its own client id and
may publish only its own topics; a gateway also the readings of its home's registered devices.
"""

from __future__ import annotations

from typing import Any, Final

from dampwatch.const import READING_LEAF, REGISTRY_BRANCH, STATUS_LEAF

INGEST_ROLE: Final = "dampwatch-ingest"
API_ROLE: Final = "dampwatch-api"
CLIENT_ROLE_PREFIX: Final = "dampwatch-client-"
GATEWAYS_ROLE_PREFIX: Final = "dampwatch-gateways-"
# Earlier versions gave every client of a home this role, with publishing under the whole home.
LEGACY_HOME_ROLE_PREFIX: Final = "dampwatch-home-"
CONTROL_TOPIC: Final = "$CONTROL/dynamic-security/#"
DEFAULT_ACL_ACCESS: Final = (
    {"acltype": "publishClientSend", "allow": False},
    {"acltype": "publishClientReceive", "allow": False},
    {"acltype": "subscribe", "allow": False},
    {"acltype": "unsubscribe", "allow": True},
)


def acl(acltype: str, topic: str, allow: bool = True) -> dict[str, Any]:
    """One ACL entry of a role."""
    return {"acltype": acltype, "topic": topic, "allow": allow, "priority": 0}


def read(topic_filter: str, *, shared: bool = False) -> list[dict[str, Any]]:
    """Subscribing to a filter (and its `$share/G/` form) and receiving what it matches."""
    entries = [acl("subscribePattern", topic_filter), acl("publishClientReceive", topic_filter)]
    if shared:
        entries.append(acl("subscribePattern", f"$share/+/{topic_filter}"))
    return entries


def control() -> list[dict[str, Any]]:
    """Sending dynamic-security commands and receiving their answers."""
    return [
        acl("publishClientSend", CONTROL_TOPIC),
        *read(CONTROL_TOPIC),
    ]


def platform_roles(prefix: str) -> dict[str, list[dict[str, Any]]]:
    """The ingest's role (read every reading and the registry) and the API's (own the registry)."""
    registry = f"{prefix}/{REGISTRY_BRANCH}/+"
    return {
        INGEST_ROLE: [
            *read(f"{prefix}/+/+/{READING_LEAF}", shared=True),
            *read(registry),
        ],
        API_ROLE: [
            acl("publishClientSend", registry),
            *read(registry),
            *read(f"{prefix}/+/+/{STATUS_LEAF}"),
            *control(),
        ],
    }


def client_username(home_id: str, client_id: str) -> str:
    """The MQTT username of a device or gateway, unique across homes; also its client id."""
    return f"{home_id}/{client_id}"


def client_role(username: str) -> str:
    """The role holding one device's or gateway's own topics."""
    return f"{CLIENT_ROLE_PREFIX}{username}"


def gateways_role(home_id: str) -> str:
    """The role letting a home's gateways publish the readings of its registered devices."""
    return f"{GATEWAYS_ROLE_PREFIX}{home_id}"


def own_topics(prefix: str, home_id: str, client_id: str) -> list[dict[str, Any]]:
    """Publishing one's own readings and retained status, nothing else."""
    return [
        acl("publishClientSend", f"{prefix}/{home_id}/{client_id}/{READING_LEAF}"),
        acl("publishClientSend", f"{prefix}/{home_id}/{client_id}/{STATUS_LEAF}"),
    ]


def device_readings(prefix: str, home_id: str, device_ids: list[str]) -> list[dict[str, Any]]:
    """Publishing the readings of exactly these devices of the home."""
    return [
        acl("publishClientSend", f"{prefix}/{home_id}/{device}/{READING_LEAF}")
        for device in sorted(set(device_ids))
    ]
