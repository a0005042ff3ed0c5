"""Write the broker's dynamic-security.json: the platform's service clients and their roles.

Runs before Mosquitto starts (the compose service `mosquitto-init`). An existing file is updated in
place: the service clients and roles below are (re)set from the environment, so rotating a password
in `.env` takes effect, while every other client and role (the devices the API provisioned) is
kept. Standard library only. Passwords are stored as Mosquitto does: PBKDF2-SHA512, 101 iterations.

Environment: MQTT_ADMIN_PASSWORD, MQTT_INGEST_PASSWORD, MQTT_API_PASSWORD, MQTT_SIM_PASSWORD,
MQTT_HEALTHCHECK_PASSWORD, and MQTT_TOPIC_PREFIX (default dampwatch/v1).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ITERATIONS = 101  # Mosquitto's own choice for dynamic security clients
SALT_BYTES = 12
DEFAULT_PREFIX = "dampwatch/v1"


def _acl(kind: str, topic: str, *, allow: bool = True) -> dict[str, Any]:
    return {"acltype": kind, "topic": topic, "allow": allow, "priority": 0}


def _read(topic: str, *, shared: bool = False) -> list[dict[str, Any]]:
    # Subscribing and receiving are separate rights, both denied unless granted; the shared
    # form covers `$share/G/...`.
    entries = [_acl("subscribePattern", topic), _acl("publishClientReceive", topic)]
    if shared:
        entries.append(_acl("subscribePattern", f"$share/+/{topic}"))
    return entries


def roles(prefix: str) -> dict[str, list[dict[str, Any]]]:
    """Each platform role and its ACLs, for topics under `prefix`."""
    control = "$CONTROL/dynamic-security/#"
    registry = f"{prefix}/_registry/+"
    return {
        "admin": [
            _acl("publishClientSend", control),
            *_read(control),
            *_read("$SYS/#"),
            *_read("#"),
            _acl("unsubscribePattern", "#"),
        ],
        "dampwatch-ingest": [
            *_read(f"{prefix}/+/+/reading", shared=True),
            *_read(registry),
        ],
        # The API owns the registry branch, reads device status and provisions device clients.
        "dampwatch-api": [
            _acl("publishClientSend", registry),
            *_read(registry),
            *_read(f"{prefix}/+/+/status"),
            _acl("publishClientSend", control),
            *_read(control),
        ],
        # Simulated homes publish as any home; only the `simulator` profile uses this client.
        "dampwatch-sim": [
            _acl("publishClientSend", f"{prefix}/+/+/reading"),
            _acl("publishClientSend", f"{prefix}/+/+/status"),
        ],
        "dampwatch-healthcheck": _read("$SYS/broker/uptime"),
    }


CLIENTS: Mapping[str, tuple[str, str]] = {
    # username: (password variable, role)
    "admin": ("MQTT_ADMIN_PASSWORD", "admin"),
    "dampwatch-ingest": ("MQTT_INGEST_PASSWORD", "dampwatch-ingest"),
    "dampwatch-api": ("MQTT_API_PASSWORD", "dampwatch-api"),
    "dampwatch-sim": ("MQTT_SIM_PASSWORD", "dampwatch-sim"),
    "dampwatch-healthcheck": ("MQTT_HEALTHCHECK_PASSWORD", "dampwatch-healthcheck"),
}
# Clients that connect once, under one name, are bound to it: nobody else can use the client
# id, and these credentials work with no other. Ingest workers and API worker processes each
# need an id of their own (see README, "Security model"), so they are not bound.
BOUND_CLIENT_IDS: Mapping[str, str] = {
    "dampwatch-sim": "dampwatch-sim",
    "dampwatch-healthcheck": "dampwatch-healthcheck",
}
# Nothing is allowed unless a role grants it; receiving too, so subscribing is not enough.
DEFAULT_ACL_ACCESS: Mapping[str, bool] = {
    "publishClientSend": False,
    "publishClientReceive": False,
    "subscribe": False,
    "unsubscribe": True,
}


def hash_password(password: str, salt: bytes | None = None) -> dict[str, Any]:
    """Mosquitto's stored form of a password: base64 PBKDF2-SHA512 hash, salt, iterations."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS)
    return {
        "password": base64.b64encode(digest).decode(),
        "salt": base64.b64encode(salt).decode(),
        "iterations": ITERATIONS,
    }


def _upsert(items: list[dict[str, Any]], key: str, item: dict[str, Any]) -> None:
    for index, existing in enumerate(items):
        if existing.get(key) == item[key]:
            items[index] = item
            return
    items.append(item)


def bootstrap(
    document: dict[str, Any], passwords: Mapping[str, str], prefix: str = DEFAULT_PREFIX
) -> dict[str, Any]:
    """Set the platform's roles and service clients in a dynamic security document."""
    document.setdefault("clients", [])
    document.setdefault("groups", [])
    document.setdefault("roles", [])
    document["defaultACLAccess"] = dict(DEFAULT_ACL_ACCESS)
    for rolename, acls in roles(prefix).items():
        _upsert(document["roles"], "rolename", {"rolename": rolename, "acls": acls})
    for username, (variable, rolename) in CLIENTS.items():
        client = {
            "username": username,
            "textName": f"dampwatch service client ({rolename})",
            **hash_password(passwords[variable]),
            "roles": [{"rolename": rolename, "priority": 0}],
        }
        if username in BOUND_CLIENT_IDS:
            client["clientid"] = BOUND_CLIENT_IDS[username]
        _upsert(document["clients"], "username", client)
    return document


def main(argv: Sequence[str]) -> int:
    """Write or update the file named by the only argument."""
    if len(argv) != 1:
        print("usage: dynsec_bootstrap.py PATH/dynamic-security.json", file=sys.stderr)
        return 2
    path = Path(argv[0])
    missing = sorted(var for var, _ in CLIENTS.values() if not os.environ.get(var))
    if missing:
        print(f"dynsec_bootstrap: set {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        document = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError) as error:
        print(f"dynsec_bootstrap: cannot read {path}: {error}", file=sys.stderr)
        return 2
    passwords = {var: os.environ[var] for var, _ in CLIENTS.values()}
    prefix = os.environ.get("MQTT_TOPIC_PREFIX", DEFAULT_PREFIX)
    bootstrap(document, passwords, prefix)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=2), encoding="utf-8")
    temporary.chmod(0o600)
    temporary.replace(path)
    print(f"dynsec_bootstrap: {len(CLIENTS)} service clients set in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
