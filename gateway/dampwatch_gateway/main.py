"""`dampwatch gateway --config FILE`: read the configuration, then run the gateway."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from dampwatch.logs import configure_logging
from dampwatch_gateway.config import ConfigError, GatewayConfig, load_config

_LOGGER = logging.getLogger("dampwatch.gateway")


def run(config: GatewayConfig) -> int:
    """Run the gateway until SIGTERM or SIGINT; returns the exit code."""
    from dampwatch_gateway.gateway import Gateway  # noqa: PLC0415
    from dampwatch_gateway.store import StoreError  # noqa: PLC0415

    try:
        gateway = Gateway(config)
    except StoreError as error:
        _LOGGER.error("%s", error)
        return 1

    def _stop(signum: int, frame: FrameType | None) -> None:
        _LOGGER.info("received %s: queueing open windows and stopping", signal.Signals(signum).name)
        gateway.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    gateway.run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, load the configuration, run."""
    parser = argparse.ArgumentParser(
        prog="dampwatch gateway",
        description="In-home gateway: decode BLE, Zigbee2MQTT, Tasmota and ESPHome sensors, keep "
        "every reading on disk and forward it to the platform as contract v1 "
        "(see gateway/README.md).",
    )
    parser.add_argument("--config", required=True, type=Path, help="TOML configuration file")
    parser.add_argument("--check", action="store_true", help="validate the configuration and exit")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"dampwatch gateway: bad configuration {args.config}: {error}", file=sys.stderr)
        return 2
    if args.check:
        print(f"{args.config}: configuration is valid ({len(config.sensors)} sensors)")
        return 0
    configure_logging(config.log_level)
    return run(config)
