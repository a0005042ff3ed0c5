"""`dampwatch assess [--once]`: run the assessment cycle now and then every interval."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from pydantic import ValidationError

from dampwatch.influx import InfluxError, InfluxQL, make_writer
from dampwatch.settings import UnsafeSettingsError, describe_settings_error, one_off_env_files
from dampwatch_api.assess.cycle import CycleReport
from dampwatch_api.assess.leases import PartitionCountConflict
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_api.assess.worker import LeaseLost, Worker
from dampwatch_api.db.migrate import migrate_engine
from dampwatch_api.db.session import engine_from_settings, make_session_factory

log = logging.getLogger("dampwatch.assess")
EXIT_USAGE = 2
RETRY_AFTER_ERROR_S = 60.0


def describe(report: CycleReport, partition: str = "") -> str:
    """One line for the log."""
    return (
        f"{partition}assessed {report.rooms} rooms and {report.devices} devices, "
        f"{report.new_hours} new hours from {report.first_hour:%Y-%m-%d %H:%M} UTC "
        f"({report.late_hours} rewind hours with late readings); "
        f"alerts opened {report.alerts_opened}, cleared {report.alerts_cleared}; "
        f"{report.points_written} points in {report.seconds:.1f} s"
    )


def run(settings: AssessSettings, once: bool, stop: threading.Event | None = None) -> int:
    """Migrate the database, then run cycles until `stop` is set (or one cycle with `once`)."""
    stop = stop or threading.Event()
    engine = engine_from_settings(settings)
    migrate_engine(engine)
    factory = make_session_factory(engine)
    influx = InfluxQL(settings, timeout_s=settings.assess_query_timeout_s)
    writer = make_writer(settings)
    failures = 0
    partitions = settings.assess_partitions if engine.dialect.name != "sqlite" else 1
    worker = Worker(factory, influx, writer, settings, partitions=partitions)
    # Between passes a worker looks again for partitions due, freed or beyond its share.
    poll_s = min(settings.assess_interval_s, settings.assess_lease_s / 3)
    try:
        worker.start()
        log.info("worker %s: %d partition(s)", worker.worker_id, partitions)
        while True:
            try:
                for done in worker.run_pass(force=once):
                    where = (
                        f"partition {done.partition + 1}/{done.partitions} ({done.homes} homes): "
                    )
                    log.info(describe(done.report, where if done.partitions > 1 else ""))
                failures = 0
            except (LeaseLost, PartitionCountConflict) as error:
                log.warning("nothing committed: %s", error)
                if once:
                    return 1
            except InfluxError as error:
                failures += 1
                if once:
                    log.error("cycle failed, nothing committed: %s", error)
                    return 1
                log.error(
                    "cycle failed, nothing committed; retrying in %.0f s: %s",
                    RETRY_AFTER_ERROR_S,
                    error,
                )
            if once:
                return 0
            wait = poll_s if failures == 0 else RETRY_AFTER_ERROR_S
            if stop.wait(wait):
                return 0
    finally:
        worker.close()
        writer.close()
        influx.close()
        engine.dispose()


def main(argv: list[str]) -> int:
    """Parse flags and settings, then run."""
    parser = argparse.ArgumentParser(
        prog="dampwatch assess",
        description="Assess homes: mould, damp, cold, overheating and device health; raise alerts.",
    )
    parser.add_argument("--once", action="store_true", help="run one cycle and exit")
    args = parser.parse_args(argv)
    env_files = one_off_env_files()
    try:
        settings = AssessSettings(_env_file=env_files)
    except (ValidationError, UnsafeSettingsError) as error:
        print(f"dampwatch assess: bad settings: {describe_settings_error(error)}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    if len(env_files) > 1:
        log.info("settings of the running stack read from %s", env_files[-1])
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return run(settings, args.once, stop)
