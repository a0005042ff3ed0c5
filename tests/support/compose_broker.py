"""deploy/mosquitto/mosquitto.compose.conf on the local Mosquitto 2.1 build, paths and ports moved.

The compose deployment runs the eclipse-mosquitto 2.1 image, which installs its plugins in
/usr/lib; here the same file runs on the build `make setup` makes, with its plugins.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dampwatch_stack.mosquitto_build import MOSQUITTO_21_MISSING, MosquittoBuild, find_mosquitto_21

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_CONF = ROOT / "deploy" / "mosquitto" / "mosquitto.compose.conf"
IMAGE_PLUGIN_DIR = "/usr/lib/"


def require_mosquitto_21() -> MosquittoBuild:
    """The 2.1 build with its plugins, or skip the test with how to make it."""
    build = find_mosquitto_21()
    if build is None:
        pytest.skip(MOSQUITTO_21_MISSING)
    return build


def compose_config(
    build: MosquittoBuild, *, data_dir: Path, certs_dir: Path, tls_port: int, plain_port: int
) -> str:
    """The compose configuration with the image's paths and ports replaced by local ones."""
    config = (
        COMPOSE_CONF.read_text(encoding="utf-8")
        .replace(f"{IMAGE_PLUGIN_DIR}mosquitto_dynamic_security.so", str(build.dynamic_security))
        .replace(f"{IMAGE_PLUGIN_DIR}mosquitto_persist_sqlite.so", str(build.persist_sqlite))
        .replace("/mosquitto/data/", f"{data_dir}/")
        .replace("/mosquitto/certs/", f"{certs_dir}/")
        .replace("listener 8883\n", f"listener {tls_port} 127.0.0.1\n")
        .replace("listener 1883 127.0.0.1", f"listener {plain_port} 127.0.0.1")
        # stdout is block-buffered into a file; the log file is written line by line
        .replace("log_dest stdout", f"log_dest file {data_dir}/mosquitto.log")
    )
    if IMAGE_PLUGIN_DIR in config:
        raise AssertionError("the compose file loads a plugin the local build lacks")
    config += "log_type information\n"  # the "running" line that says the listeners are bound
    if os.geteuid() == 0:
        config += "user root\n"  # as root Mosquitto would switch to a user that cannot read tmp
    return config
