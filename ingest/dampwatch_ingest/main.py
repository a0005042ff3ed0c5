"""`dampwatch ingest`: read settings and flags, then run one ingest worker."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from pydantic import ValidationError

from dampwatch.logs import configure_logging
from dampwatch.settings import describe_settings_error
from dampwatch_ingest.settings import IngestSettings

_LOGGER = logging.getLogger("dampwatch.ingest")


def run(settings: IngestSettings) -> None:
    """Run an ingest worker until SIGTERM or SIGINT, then drain its batch and exit."""
    from dampwatch_ingest.http import serve  # noqa: PLC0415
    from dampwatch_ingest.service import Ingest  # noqa: PLC0415

    ingest = Ingest(settings)

    def _stop(signum: int, frame: FrameType | None) -> None:
        _LOGGER.info("received %s: draining the current batch", signal.Signals(signum).name)
        ingest.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server = None
    if settings.ingest_metrics_port is not None:
        server = serve(
            settings.ingest_metrics_host,
            settings.ingest_metrics_port,
            ingest.metrics.registry,
            ingest.ready,
        )
        _LOGGER.info(
            "metrics on http://%s:%d/metrics, readiness on /ready",
            settings.ingest_metrics_host,
            server.server_address[1],
        )
    _LOGGER.info(
        "ingest %s: MQTT %s:%d%s → InfluxDB %s (%s)",
        settings.ingest_client_id,
        settings.mqtt_host,
        settings.mqtt_port,
        f" shared group {settings.ingest_share_group!r}" if settings.ingest_share_group else "",
        settings.influx_url,
        settings.influx_api,
    )
    try:
        ingest.run()
    finally:
        if server is not None:
            server.shutdown()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, load settings from the environment, run."""
    parser = argparse.ArgumentParser(
        prog="dampwatch ingest",
        description="Consume readings from MQTT, validate and enrich them, store them in InfluxDB, "
        "and acknowledge each message only after InfluxDB accepted it. Configured by "
        "DAMPWATCH_* environment variables (see README).",
    )
    parser.add_argument("--client-id", help="stable MQTT client id (DAMPWATCH_INGEST_CLIENT_ID)")
    parser.add_argument("--share-group", help="shared subscription group (INGEST_SHARE_GROUP)")
    parser.add_argument("--metrics-port", type=int, help="Prometheus port, 0 for any free port")
    args = parser.parse_args(argv)
    overrides = {
        key: value
        for key, value in {
            "ingest_client_id": args.client_id,
            "ingest_share_group": args.share_group,
            "ingest_metrics_port": args.metrics_port,
        }.items()
        if value is not None
    }
    try:
        settings = IngestSettings(**overrides)
    except (ValidationError, ValueError) as error:
        print(
            f"dampwatch ingest: invalid settings: {describe_settings_error(error)}", file=sys.stderr
        )
        return 2
    configure_logging(settings.log_level)
    from dampwatch_ingest.store_client import StoreStartError  # noqa: PLC0415

    try:
        run(settings)
    except StoreStartError as error:
        _LOGGER.error("dampwatch ingest: %s", error)
        return 1
    return 0
