"""deploy/mosquitto/mosquitto.compose.conf on a local Mosquitto, paths and ports moved.

The compose deployment runs the eclipse-mosquitto 2.1 image, which installs its plugins in
/usr/lib; here the same file runs on the build `make setup` makes, with its plugins, or on
Debian's 2.0 with its dynamic-security plugin and built-in persistence (2.0 has no
persist-sqlite): the access control is the same file's on both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from dampwatch_api.broker.dynsec import find_plugin
from dampwatch_stack.mosquitto_build import MOSQUITTO_21_MISSING, MosquittoBuild, find_mosquitto_21
from dampwatch_stack.servers import MosquittoServer, free_port

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_CONF = ROOT / "deploy" / "mosquitto" / "mosquitto.compose.conf"
BOOTSTRAP = ROOT / "deploy" / "mosquitto" / "dynsec_bootstrap.py"
IMAGE_PLUGIN_DIR = "/usr/lib/"
PERSIST_SQLITE = f"{IMAGE_PLUGIN_DIR}mosquitto_persist_sqlite.so"
DYNSEC = f"{IMAGE_PLUGIN_DIR}mosquitto_dynamic_security.so"
# Lines that belong to persist-sqlite, which 2.0 does not have.
_SQLITE_ONLY = (f"plugin {PERSIST_SQLITE}", "plugin_opt_flush_period", "plugin_opt_sync")


def require_mosquitto_21() -> MosquittoBuild:
    """The 2.1 build with its plugins, or skip the test with how to make it."""
    build = find_mosquitto_21()
    if build is None:
        pytest.skip(MOSQUITTO_21_MISSING)
    return build


def _moved(config: str, *, data_dir: Path, certs_dir: Path, tls_port: int, plain_port: int) -> str:
    config = (
        config.replace("/mosquitto/data/", f"{data_dir}/")
        .replace("/mosquitto/certs/", f"{certs_dir}/")
        .replace("listener 8883\n", f"listener {tls_port} 127.0.0.1\n")
        .replace("listener 1883 127.0.0.1", f"listener {plain_port} 127.0.0.1")
        # stdout is block-buffered into a file; the log file is written line by line
        .replace("log_dest stdout", f"log_dest file {data_dir}/mosquitto.log")
    )
    if DYNSEC in config or PERSIST_SQLITE in config:
        raise AssertionError("the compose file loads a plugin the local broker lacks")
    config += "log_type information\n"  # the "running" line that says the listeners are bound
    if os.geteuid() == 0:
        config += "user root\n"  # as root Mosquitto would switch to a user that cannot read tmp
    return config


def compose_config(
    build: MosquittoBuild, *, data_dir: Path, certs_dir: Path, tls_port: int, plain_port: int
) -> str:
    """The compose configuration with the image's paths and ports replaced by local ones."""
    config = (
        COMPOSE_CONF.read_text(encoding="utf-8")
        .replace(DYNSEC, str(build.dynamic_security))
        .replace(PERSIST_SQLITE, str(build.persist_sqlite))
    )
    return _moved(
        config, data_dir=data_dir, certs_dir=certs_dir, tls_port=tls_port, plain_port=plain_port
    )


def compose_config_20(*, data_dir: Path, certs_dir: Path, tls_port: int, plain_port: int) -> str:
    """The compose configuration on Debian's 2.0: its dynsec plugin, built-in persistence."""
    plugin = find_plugin()
    if plugin is None:
        pytest.fail("mosquitto_dynamic_security.so is missing (Debian mosquitto package)")
    lines = []
    for line in COMPOSE_CONF.read_text(encoding="utf-8").splitlines():
        if line.startswith(_SQLITE_ONLY):
            continue
        lines.append("persistence true" if line == "persistence false" else line)
    config = "\n".join(lines).replace(DYNSEC, str(plugin)) + "\n"
    return _moved(
        config, data_dir=data_dir, certs_dir=certs_dir, tls_port=tls_port, plain_port=plain_port
    )


def bootstrap_dynsec(path: Path, passwords: Mapping[str, str]) -> None:
    """Write dynamic-security.json as the compose service `mosquitto-init` does."""
    subprocess.run(
        [sys.executable, str(BOOTSTRAP), str(path)],
        env=os.environ | dict(passwords),
        check=True,
        capture_output=True,
    )


class ComposeBroker(MosquittoServer):
    """mosquitto.compose.conf with dynamic security on 2.1 (the build) or 2.0 (Debian's).

    `port` is the plain listener inside the container (healthcheck); `tls_port` takes devices
    and services.
    """

    def __init__(
        self, data_dir: Path, certs_dir: Path, build: MosquittoBuild | None = None
    ) -> None:
        binary = str(build.binary) if build is not None else "mosquitto"
        super().__init__(data_dir, binary=binary)
        self.build = build
        self.certs_dir = certs_dir
        self.tls_port = free_port()

    def config_text(self) -> str:
        """The compose file with this instance's paths and ports."""
        places = {
            "data_dir": self.data_dir,
            "certs_dir": self.certs_dir,
            "tls_port": self.tls_port,
            "plain_port": self.port,
        }
        if self.build is None:
            return compose_config_20(**places)  # type: ignore[arg-type]
        return compose_config(self.build, **places)  # type: ignore[arg-type]
