"""`make bench-sim`: simulator scale: devices in one process, readings/s, a month for 1,000 homes.

Each figure comes with a baseline measured in the same run: contract JSON built with json.dumps
from dicts (what a straightforward encoder does) against the array formatter, and one reading per
MQTT message against arrays of up to 1000.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from dampwatch.settings import MqttSettings
from dampwatch_sim.cohort import build_cohort
from dampwatch_sim.payloads import reading_dicts
from dampwatch_sim.publish import day_messages, publish_cohort
from dampwatch_stack.servers import MosquittoServer

START = datetime(2025, 1, 6, tzinfo=UTC).timestamp()


def _generate(homes: int, days: int, batch: int) -> tuple[int, int, float]:
    """Devices, readings and seconds to simulate and encode every message."""
    started = time.perf_counter()
    cohort = build_cohort(homes, days, seed=1, start=START)
    readings = 0
    for _day, _frame, sent in cohort.days_sent():
        readings += sum(message.readings for message in day_messages(sent, "dampwatch/v1", batch))
    return len(cohort.devices), readings, time.perf_counter() - started


def _naive_encode(homes: int, days: int) -> tuple[int, float]:
    """Readings and seconds when each array is built as dicts and serialised with json.dumps."""
    started = time.perf_counter()
    cohort = build_cohort(homes, days, seed=1, start=START)
    readings = 0
    for _day, _frame, sent in cohort.days_sent():
        for device_day in sent:
            for message in device_day.messages:
                rows = reading_dicts(message.readings)
                readings += len(json.loads(json.dumps(rows)))
    return readings, time.perf_counter() - started


def _publish(port: int, homes: int, days: int, batch: int) -> tuple[int, float]:
    cohort = build_cohort(homes, days, seed=2, start=START)
    settings = MqttSettings(mqtt_port=port, _env_file=None)
    stats = publish_cohort(cohort, settings, batch=batch)
    return stats.readings, stats.elapsed_s


def main(argv: Sequence[str] | None = None) -> int:
    """Run every scenario and print the table (and JSON with --json)."""
    parser = argparse.ArgumentParser(prog="sim_bench", description=__doc__)
    parser.add_argument("--month-homes", type=int, default=1000)
    parser.add_argument("--month-days", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows: list[tuple[str, str, str, str, str]] = []

    devices, readings, seconds = _generate(2000, 1, 1000)
    rows.append(
        (
            "devices in one process (2,000 homes, 1 day)",
            f"{devices:,}",
            "-",
            ">= 10,000",
            "PASS" if devices >= 10_000 else "FAIL",
        )
    )
    generation_rate = readings / seconds
    naive_readings, naive_seconds = _naive_encode(300, 2)
    naive_rate = naive_readings / naive_seconds
    rows.append(
        (
            "generated readings/s, arrays (physics+firmware+JSON)",
            f"{generation_rate:,.0f}",
            f"{naive_rate:,.0f} (json.dumps)",
            ">= 50,000",
            "PASS" if generation_rate >= 50_000 else "FAIL",
        )
    )

    with tempfile.TemporaryDirectory() as work:
        broker = MosquittoServer(Path(work) / "mosquitto")
        broker.start()
        try:
            published, publish_seconds = _publish(broker.port, 300, 2, 1000)
            single, single_seconds = _publish(broker.port, 20, 1, 1)
        finally:
            broker.stop()
    publish_rate = published / publish_seconds
    rows.append(
        (
            "generated+published readings/s to local Mosquitto, arrays",
            f"{publish_rate:,.0f}",
            f"{single / single_seconds:,.0f} (1 per message)",
            ">= 50,000",
            "PASS" if publish_rate >= 50_000 else "FAIL",
        )
    )

    _devices, month_readings, month_seconds = _generate(args.month_homes, args.month_days, 1000)
    rows.append(
        (
            f"{args.month_homes:,} homes x {args.month_days} days simulated and encoded",
            f"{month_seconds:,.1f} s ({month_readings:,} readings)",
            "-",
            "< 300 s",
            "PASS" if month_seconds < 300 else "FAIL",
        )
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak resident memory", f"{peak_mb:,.0f} MB", "-", "", "info"))

    header = ("scenario", "measured", "baseline (same run)", "target", "verdict")
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(5)]
    for row in [header, tuple("-" * width for width in widths), *rows]:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    if args.json:
        print(json.dumps([dict(zip(header, row, strict=True)) for row in rows]))
    return 0 if all(row[4] != "FAIL" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
