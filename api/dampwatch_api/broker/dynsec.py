"""Provisioning through Mosquitto's dynamic-security plugin: one client per device or gateway.

Each client is bound to its own client id (its username, `home/device`) and has a role of its
own that lets it publish its own readings and status only; a gateway also holds its home's
gateways role, which lists the readings of the devices registered there. Roles are in
`broker/roles.py`. Deleting a client makes the broker disconnect every session using it at once.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from dampwatch.const import DEFAULT_TOPIC_PREFIX
from dampwatch_api.broker.link import BrokerLink
from dampwatch_api.broker.roles import (
    API_ROLE,
    DEFAULT_ACL_ACCESS,
    LEGACY_HOME_ROLE_PREFIX,
    client_role,
    client_username,
    device_readings,
    gateways_role,
    own_topics,
    platform_roles,
)

PASSWORD_BYTES: Final = 24
# The plugin's own words for commands that found the object already in place, or not at all.
_ALREADY_EXISTS = ("already exists", "already has")
_NOT_FOUND = ("not found",)


class ProvisioningError(RuntimeError):
    """The dynamic-security plugin refused a command."""


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """What a device or gateway connects with; the password exists only here."""

    username: str
    password: str
    client_id: str


def new_password() -> str:
    """A random MQTT password, shown once."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


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

    def _set_role(self, rolename: str, acls: list[dict[str, Any]]) -> None:
        """Create the role, or replace its ACLs (which disconnects the clients holding it)."""
        self._run([{"command": "createRole", "rolename": rolename}], tolerate=_ALREADY_EXISTS)
        self._run([{"command": "modifyRole", "rolename": rolename, "acls": acls}])

    def ensure_platform_roles(self) -> None:
        """Deny by default, and create the platform roles an older configuration lacks.

        Existing roles are left as they are: changing a role disconnects every client holding
        it, the API's own workers and the ingest's among them. `dynsec_bootstrap.py` sets them
        before the broker starts.
        """
        self._run([{"command": "setDefaultACLAccess", "acls": list(DEFAULT_ACL_ACCESS)}])
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

    def provision(
        self, home_id: str, client_id: str, *, gateway: bool = False
    ) -> ClientCredentials:
        """Create the client of a device or gateway, bound to its client id and its own topics."""
        username, password = client_username(home_id, client_id), new_password()
        own = client_role(username)
        self._set_role(own, own_topics(self._prefix, home_id, client_id))
        roles = [{"rolename": own, "priority": 0}]
        if gateway:
            self._run(
                [{"command": "createRole", "rolename": gateways_role(home_id)}],
                tolerate=_ALREADY_EXISTS,
            )
            roles.append({"rolename": gateways_role(home_id), "priority": 0})
        # A client left over from an earlier installation of the same id is replaced.
        self._run([{"command": "deleteClient", "username": username}], tolerate=_NOT_FOUND)
        self._run(
            [
                {
                    "command": "createClient",
                    "username": username,
                    "password": password,
                    "clientid": username,
                    "textname": f"{client_id} in {home_id}",
                    "roles": roles,
                }
            ]
        )
        return ClientCredentials(username, password, username)

    def set_home_devices(self, home_id: str, device_ids: list[str]) -> None:
        """Let the home's gateways publish the readings of exactly these devices.

        The plugin disconnects the home's gateways when their role changes; they reconnect
        with the new rights and lose nothing (their readings wait on disk).
        """
        self._set_role(gateways_role(home_id), device_readings(self._prefix, home_id, device_ids))

    def revoke(self, username: str) -> None:
        """Delete the client and its role: its sessions end and it can no longer log in."""
        self._run([{"command": "deleteClient", "username": username}], tolerate=_NOT_FOUND)
        self._run(
            [{"command": "deleteRole", "rolename": client_role(username)}], tolerate=_NOT_FOUND
        )

    def remove_home(self, home_id: str) -> None:
        """Delete a home's roles once its clients are gone."""
        self._run(
            [
                {"command": "deleteRole", "rolename": gateways_role(home_id)},
                {"command": "deleteRole", "rolename": f"{LEGACY_HOME_ROLE_PREFIX}{home_id}"},
            ],
            tolerate=_NOT_FOUND,
        )


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
    document["defaultACLAccess"] = {
        entry["acltype"]: entry["allow"] for entry in DEFAULT_ACL_ACCESS
    }
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
