"""What `dampwatch up` reads and reports: its settings, ports, errors and installable parts."""

from __future__ import annotations

import importlib.util
import platform
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from dampwatch.cli import COMMANDS
from dampwatch.settings import ApiSettings, InfluxSettings, MqttSettings, PlaceSettings

DEFAULT_COMPONENTS: tuple[str, ...] = ("ingest", "assess", "api", "casework")
PortMode = Literal["settings", "auto"]
PORT_SETTINGS: Mapping[str, str] = {
    "mqtt": "DAMPWATCH_MQTT_PORT",
    "influx": "DAMPWATCH_INFLUX_URL",
    "api": "DAMPWATCH_API_PORT",
    "ingest_metrics": "DAMPWATCH_INGEST_METRICS_PORT",
}


class UpSettings(MqttSettings, InfluxSettings, ApiSettings, PlaceSettings):
    """What `dampwatch up` reads: the ports of the local stack and where its servers live."""

    ingest_metrics_port: int = Field(default=9108, ge=0, le=65535)
    up_mosquitto_binary: str = "mosquitto"
    up_influxd_binary: str = "influxd"
    up_stop_timeout_s: float = Field(default=15.0, gt=0)

    @property
    def influx_port(self) -> int:
        """The port of DAMPWATCH_INFLUX_URL (8086 when the URL names none)."""
        return urllib.parse.urlsplit(self.influx_url).port or 8086


class StackError(RuntimeError):
    """The stack cannot start; the message says why and what to do, in one or two lines."""


class MissingServerError(StackError):
    """Mosquitto or InfluxDB is not installed."""


def install_command(
    packages: Sequence[str], os_release: Path = Path("/etc/os-release"), system: str = ""
) -> str:
    """The command that installs Debian-named packages (mosquitto, influxdb) on this platform."""
    if (system or platform.system()) == "Darwin":
        # Homebrew's `influxdb` is 2.x; the local stack runs the 1.x server.
        names = ["influxdb@1" if name == "influxdb" else name for name in packages]
        return "brew install " + " ".join(names)
    fields: dict[str, str] = {}
    if os_release.exists():
        for line in os_release.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition("=")
            fields[key.strip()] = value.strip().strip("\"'")
    family = {fields.get("ID", ""), *fields.get("ID_LIKE", "").split()}
    joined = " ".join(packages)
    if family & {"debian", "ubuntu", "raspbian"}:
        return f"sudo apt-get install -y {joined}"
    if family & {"fedora", "rhel", "centos"}:
        return f"sudo dnf install -y {joined}  (influxdb from https://repos.influxdata.com)"
    if "alpine" in family:
        return f"sudo apk add {joined}"
    return f"install Mosquitto 2.x and InfluxDB 1.x ({joined}) with your package manager"


@dataclass(frozen=True)
class StackPorts:
    """The loopback ports the stack listens on."""

    mqtt: int
    influx: int
    api: int
    ingest_metrics: int

    def as_dict(self) -> dict[str, int]:
        """Ports by role."""
        return {
            "mqtt": self.mqtt,
            "influx": self.influx,
            "api": self.api,
            "ingest_metrics": self.ingest_metrics,
        }


def available_components(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split component names into (installed, missing) by whether their module can be found."""
    installed: list[str] = []
    missing: list[str] = []
    for name in names:
        try:
            found = importlib.util.find_spec(COMMANDS[name].module) is not None
        except ModuleNotFoundError:  # a parent package is absent
            found = False
        (installed if found else missing).append(name)
    return installed, missing
