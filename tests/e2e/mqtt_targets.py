"""The brokers the MQTT attacks run against, each as a deployment configures it.

- file ACL: deploy/mosquitto/mosquitto.conf with its `acl`, per-listener password files and
  the gateways' ACL lines an operator adds;
- dynamic security: deploy/mosquitto/mosquitto.compose.conf with the file
  `dynsec_bootstrap.py` writes, devices and gateways provisioned by the API's own code.

Each on Debian's Mosquitto 2.0 and on the 2.1 build, with TLS certificates made here. Two
homes: `home-a` (the attacker's) and `home-b` (the victim's), each with devices and a gateway.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.soak_broker import API_USER, INGEST_USER, DeployedBroker, client_acl

from dampwatch.settings import MqttSettings
from dampwatch_api.broker.dynsec import DynamicSecurity
from dampwatch_api.broker.link import BrokerLink, process_client_id
from dampwatch_stack.mosquitto_build import MosquittoBuild
from dampwatch_stack.servers import MosquittoServer
from tests.e2e.mqtt_clients import BrokerAccess
from tests.support.compose_broker import ComposeBroker, bootstrap_dynsec

PREFIX = "dampwatch/v1"
# Devices registered in each home, and which of them have credentials of their own (the rest
# are sensors a gateway forwards). Every home has one gateway, `gw-1`.
DEVICES = {"home-a": ("th-1", "th-2", "th-3"), "home-b": ("th-1", "th-2")}
WITH_CREDENTIALS = {"home-a": ("th-1", "th-2"), "home-b": ("th-1",)}
GATEWAY = "gw-1"
ATTACKER = "home-a/th-1"
ATTACKER_GATEWAY = f"home-a/{GATEWAY}"
SERVICE_PASSWORDS = {
    "MQTT_ADMIN_PASSWORD": "pw-admin-7d1f",
    "MQTT_INGEST_PASSWORD": "pw-ingest-91aa",
    "MQTT_API_PASSWORD": "pw-api-3c2e",
    "MQTT_SIM_PASSWORD": "pw-sim-55b0",
    "MQTT_HEALTHCHECK_PASSWORD": "pw-health-0e4d",
}


def clients() -> list[str]:
    """Usernames of every device and gateway with credentials."""
    names = [f"{home}/{device}" for home, devices in WITH_CREDENTIALS.items() for device in devices]
    return names + [f"{home}/{GATEWAY}" for home in DEVICES]


@dataclass
class Target:
    """A running broker under attack, how to reach it and who its watcher is."""

    name: str
    access: BrokerAccess
    server: MosquittoServer
    # Services that may read what a test publishes: readings and status, registry.
    reading_watcher: str = INGEST_USER
    status_watcher: str = API_USER
    # The ingest's subscription: a shared one where the broker refuses others a place in the
    # group (dynamic security); a plain one with the file ACL, which cannot (see its comments).
    ingest_filter: str = f"{PREFIX}/+/+/reading"
    extra: dict[str, object] = field(default_factory=dict)

    def stop(self) -> None:
        """Stop the broker and whatever came with it."""
        link = self.extra.get("link")
        if isinstance(link, BrokerLink):
            link.stop()
        self.server.stop()


def operator_acl() -> str:
    """The lines an operator adds for each device and gateway (deploy/mosquitto/acl)."""
    lines = []
    for home, devices in DEVICES.items():
        for device in WITH_CREDENTIALS[home]:
            own = [f"{PREFIX}/{home}/{device}/{leaf}" for leaf in ("reading", "status")]
            lines.append(client_acl(f"{home}/{device}", own))
        forwarded = [f"{PREFIX}/{home}/{device}/reading" for device in devices]
        lines.append(
            client_acl(f"{home}/{GATEWAY}", [f"{PREFIX}/{home}/{GATEWAY}/status", *forwarded])
        )
    return "".join(lines)


def file_acl_target(work: Path, build: MosquittoBuild | None, certs: Path) -> Target:
    """deploy/mosquitto/mosquitto.conf, its ACL and per-listener password files, TLS on."""
    passwords = {name: f"pw-{name.replace('/', '-')}" for name in clients()}
    passwords |= {INGEST_USER: "pw-ingest-file", API_USER: "pw-api-file"}
    broker = DeployedBroker(work, passwords, tls=True, acl_extra=operator_acl(), build=build)
    assert broker.certs_dir is not None
    shutil.copytree(certs, broker.certs_dir)
    broker.start()
    assert broker.tls_port is not None
    access = BrokerAccess(
        "file-acl", broker.tls_port, broker.port, broker.ca_path, passwords, services_tls=False
    )
    return Target(f"file-acl {'2.1' if build else '2.0'}", access, broker)


def _provision(link: BrokerLink) -> dict[str, str]:
    """Devices and gateways through the API's provisioning code, as the routes do it."""
    dynsec = DynamicSecurity(link, PREFIX, timeout_s=10)
    dynsec.ensure_platform_roles()
    passwords: dict[str, str] = {}
    for home, devices in DEVICES.items():
        for device in WITH_CREDENTIALS[home]:
            made = dynsec.provision(home, device)
            passwords[made.username] = made.password
        made = dynsec.provision(home, GATEWAY, gateway=True)
        passwords[made.username] = made.password
        dynsec.set_home_devices(home, list(devices))
    return passwords


def dynsec_target(work: Path, build: MosquittoBuild | None, certs: Path) -> Target:
    """deploy/mosquitto/mosquitto.compose.conf with dynamic security, provisioned by the API."""
    bootstrap_dynsec(work / "data" / "dynamic-security.json", SERVICE_PASSWORDS)
    broker = ComposeBroker(work / "data", certs, build)
    broker.start()
    settings = MqttSettings(
        mqtt_host="localhost",
        mqtt_port=broker.tls_port,
        mqtt_username=API_USER,
        mqtt_password=SERVICE_PASSWORDS["MQTT_API_PASSWORD"],
        mqtt_tls_ca=certs / "ca.crt",
    )
    link = BrokerLink(settings, process_client_id("dampwatch-api"))
    link.start()
    try:
        assert link.wait_connected(10), broker.log_tail()
        passwords = _provision(link)
    except BaseException:
        link.stop()
        broker.stop()
        raise
    passwords |= {
        "admin": SERVICE_PASSWORDS["MQTT_ADMIN_PASSWORD"],
        INGEST_USER: SERVICE_PASSWORDS["MQTT_INGEST_PASSWORD"],
        API_USER: SERVICE_PASSWORDS["MQTT_API_PASSWORD"],
        "dampwatch-sim": SERVICE_PASSWORDS["MQTT_SIM_PASSWORD"],
        "dampwatch-healthcheck": SERVICE_PASSWORDS["MQTT_HEALTHCHECK_PASSWORD"],
    }
    access = BrokerAccess("dynsec", broker.tls_port, broker.port, certs / "ca.crt", passwords)
    name = f"dynsec {'2.1' if build else '2.0'}"
    shared = f"$share/ingest/{PREFIX}/+/+/reading"
    return Target(name, access, broker, ingest_filter=shared, extra={"link": link})


def started(target: Target) -> Iterator[Target]:
    """Yield the target, stopping it afterwards; a moment for the provisioning's kicks to settle."""
    time.sleep(0.2)
    try:
        yield target
    finally:
        target.stop()
