"""Provisioning through Mosquitto's dynamic-security plugin: one client per device, a role per home.

A home's role allows publishing only under `{prefix}/{home}/#`; a home id can never be
`_registry` (ids start with a letter or digit), so no device can write the registry branch.
Deleting a client makes the broker disconnect every session using it at once.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any, Final

from dampwatch.const import DEFAULT_TOPIC_PREFIX, READING_LEAF, REGISTRY_BRANCH, STATUS_LEAF
from dampwatch_api.broker.link import BrokerLink

HOME_ROLE_PREFIX: Final = "dampwatch-home-"
INGEST_ROLE: Final = "dampwatch-ingest"
API_ROLE: Final = "dampwatch-api"
PASSWORD_BYTES: Final = 24
# The plugin's own words for commands that found the object already in place.
_ALREADY_EXISTS = ("already exists", "already has")
_NOT_FOUND = ("not found",)


class ProvisioningError(RuntimeError):
    """The dynamic-security plugin refused a command."""


def home_role(home_id: str) -> str:
    """The role that lets a home's devices publish under its topics."""
    return f"{HOME_ROLE_PREFIX}{home_id}"


def client_username(home_id: str, client_id: str) -> str:
    """The MQTT username of a device or gateway, unique across homes."""
    return f"{home_id}/{client_id}"


def new_password() -> str:
    """A random MQTT password, shown once."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def _acl(acltype: str, topic: str, allow: bool = True) -> dict[str, Any]:
    return {"acltype": acltype, "topic": topic, "allow": allow, "priority": 0}


def platform_roles(prefix: str) -> dict[str, list[dict[str, Any]]]:
    """The ingest's role (read every home's readings) and the API's (write the registry)."""
    return {
        INGEST_ROLE: [
            _acl("subscribePattern", f"{prefix}/+/+/{READING_LEAF}"),
            _acl("subscribePattern", f"$share/+/{prefix}/+/+/{READING_LEAF}"),
            _acl("subscribePattern", f"{prefix}/+/+/{STATUS_LEAF}"),
            _acl("subscribePattern", f"{prefix}/{REGISTRY_BRANCH}/+"),
        ],
        API_ROLE: [
            _acl("publishClientSend", f"{prefix}/{REGISTRY_BRANCH}/+"),
            _acl("subscribePattern", f"{prefix}/{REGISTRY_BRANCH}/+"),
        ],
    }


class DynamicSecurity:
    """Commands to the plugin over a connected `BrokerLink`, each checked for errors."""

    def __init__(self, link: BrokerLink, prefix: str, timeout_s: float) -> None:
        self._link = link
        self._prefix = prefix
        self._timeout_s = timeout_s

    def _run(self, commands: list[dict[str, Any]], tolerate: tuple[str, ...] = ()) -> None:
        for response in self._link.dynsec(commands, self._timeout_s):
            error = response.get("error")
            if error and not any(text in str(error).lower() for text in tolerate):
                raise ProvisioningError(f"{response.get('command')}: {error}")

    def ensure_platform_roles(self) -> None:
        """Create the platform roles if an older configuration file lacks them (idempotent)."""
        self._run(
            [
                {"command": "createRole", "rolename": name, "acls": acls}
                for name, acls in platform_roles(self._prefix).items()
            ],
            tolerate=_ALREADY_EXISTS,
        )

    def ensure_service_client(self, username: str, password: str, role: str) -> None:
        """Create (or re-password) a platform service such as an ingest worker."""
        self._run(
            [{"command": "createClient", "username": username, "password": password}],
            tolerate=_ALREADY_EXISTS,
        )
        self._run(
            [
                {"command": "setClientPassword", "username": username, "password": password},
                {"command": "addClientRole", "username": username, "rolename": role},
            ],
            tolerate=_ALREADY_EXISTS,
        )

    def provision(self, home_id: str, client_id: str) -> tuple[str, str]:
        """Create the client of a device or gateway; returns (username, password)."""
        username, password = client_username(home_id, client_id), new_password()
        role = home_role(home_id)
        self._run(
            [
                {
                    "command": "createRole",
                    "rolename": role,
                    "acls": [_acl("publishClientSend", f"{self._prefix}/{home_id}/#")],
                }
            ],
            tolerate=_ALREADY_EXISTS,
        )
        # A client left over from an earlier installation of the same id is replaced.
        self._run([{"command": "deleteClient", "username": username}], tolerate=_NOT_FOUND)
        self._run(
            [
                {
                    "command": "createClient",
                    "username": username,
                    "password": password,
                    "textname": f"{client_id} in {home_id}",
                    "roles": [{"rolename": role, "priority": 0}],
                }
            ]
        )
        return username, password

    def revoke(self, username: str) -> None:
        """Delete the client: its sessions are disconnected and it can no longer log in."""
        self._run([{"command": "deleteClient", "username": username}], tolerate=_NOT_FOUND)

    def remove_home(self, home_id: str) -> None:
        """Delete a home's role once its clients are gone."""
        self._run([{"command": "deleteRole", "rolename": home_role(home_id)}], tolerate=_NOT_FOUND)


PLUGIN_PATHS: Final = (
    "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
    "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
    "/usr/lib/mosquitto_dynamic_security.so",
)


def find_plugin() -> Path | None:
    """The dynamic-security plugin installed with Mosquitto, if any."""
    return next((Path(path) for path in PLUGIN_PATHS if Path(path).exists()), None)


def write_initial_config(
    path: Path, admin_username: str, admin_password: str, prefix: str = DEFAULT_TOPIC_PREFIX
) -> None:
    """Create the plugin's file: the API as admin with the API role, and the platform roles.

    The API's own roles are set here, before the broker starts, because changing the roles of
    a connected client makes the plugin disconnect it.
    """
    ctrl = shutil.which("mosquitto_ctrl")
    if ctrl is None:
        raise ProvisioningError("mosquitto_ctrl not found; install the mosquitto-clients package")
    path.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [ctrl, "dynsec", "init", str(path), admin_username, admin_password],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ProvisioningError(f"mosquitto_ctrl dynsec init failed: {result.stderr.strip()}")
    document = json.loads(path.read_text())
    document["roles"].extend(
        {"rolename": name, "acls": acls} for name, acls in platform_roles(prefix).items()
    )
    for client in document["clients"]:
        if client["username"] == admin_username:
            client["roles"].append({"rolename": API_ROLE})
    path.write_text(json.dumps(document, indent=1))


def broker_config(plugin: Path, config_file: Path) -> str:
    """The mosquitto.conf lines that load the plugin with its JSON file."""
    return f"plugin {plugin}\nplugin_opt_config_file {config_file}\n"
