"""Benchmark the ingest against baselines on private Mosquitto and InfluxDB servers.

Scenarios (each with its own InfluxDB database and MQTT sessions, on the same servers):
  1. drain a preloaded persistent session of single-reading messages: ingest vs a bare subscriber
  2. drain messages of 100 readings: ingest vs a bare batched `/write` of the same points
  3. the ingest's rate from (1) vs a naive subscriber writing one `/write` per message
  4. peak RSS of every ingest run
  5. publish-to-queryable latency at half the live maximum rate (publisher flat out, all running)

Usage: python -m bench.ingest_bench [--quick] [--json] [--strict] [--only 1,2] [sizes...]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, replace
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from bench import scenarios
from bench.report import Row, as_json, environment, format_environment, format_table
from bench.runs import BenchConfig, Context
from dampwatch_stack.servers import InfluxServer, MosquittoServer

QUICK = BenchConfig(
    messages=10_000,
    batched_readings=60_000,
    naive_messages=1_000,
    latency_s=6.0,
    live_probe_messages=10_000,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="a smaller run (about 25 s)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument(
        "--only",
        type=lambda text: frozenset(part.strip() for part in text.split(",")),
        default=None,
        help="run only these scenarios, e.g. 1,2 (3 needs 1; 4 reports the runs made)",
    )
    parser.add_argument("--messages", type=int, help="(1) single-reading messages [50000]")
    parser.add_argument("--devices", type=int, help="(1) devices they come from [500]")
    parser.add_argument("--batched-readings", type=int, help="(2) readings [300000]")
    parser.add_argument("--per-message", type=int, help="(2) readings per message [100]")
    parser.add_argument("--naive-messages", type=int, help="(3) messages [5000]")
    parser.add_argument("--latency-seconds", type=float, help="(5) publishing time [20]")
    parser.add_argument("--latency-rate", type=float, help="(5) msg/s [half the live maximum]")
    parser.add_argument(
        "--baseline-protocol",
        choices=["5", "3.1.1"],
        help="MQTT version of the bare and naive consumers [5, as the ingest]",
    )
    return parser


def _config(args: argparse.Namespace) -> BenchConfig:
    config = QUICK if args.quick else BenchConfig()
    overrides = {
        "messages": args.messages,
        "devices": args.devices,
        "batched_readings": args.batched_readings,
        "per_message": args.per_message,
        "naive_messages": args.naive_messages,
        "latency_s": args.latency_seconds,
        "latency_rate": args.latency_rate,
        "baseline_protocol": args.baseline_protocol,
    }
    return replace(config, **{key: value for key, value in overrides.items() if value is not None})


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _attempt(ctx: Context, name: str, scenario: Callable[[Context], list[Row]]) -> list[Row]:
    """Run one scenario; a failure becomes a FAIL row and the next scenario still runs."""
    try:
        return scenario(ctx)
    except Exception as error:
        _progress(f"{name} failed:\n{traceback.format_exc()}")
        ctx.details.setdefault("errors", {})[name] = repr(error)
        return [Row(name, None, "", target="completes", passed=False, note=str(error)[:300])]


def run(
    config: BenchConfig, work_dir: Path, stack: ExitStack, only: frozenset[str] | None = None
) -> tuple[list[Row], dict[str, Any]]:
    """Start the servers, run every scenario (or `only` these), return the rows and details."""
    mosquitto = MosquittoServer(
        work_dir / "mosquitto",
        max_queued_messages=20_000_000,
        max_inflight_messages=2000,
        # in-memory sessions: a periodic autosave would stall the broker mid-measurement
        persistence=False,
    )
    influx = InfluxServer(work_dir / "influxdb")
    stack.callback(influx.stop)
    stack.callback(mosquitto.stop)
    mosquitto.start()
    influx.start(timeout=30)
    _progress(f"mosquitto on 127.0.0.1:{mosquitto.port}, influxd on {influx.url}")
    ctx = Context(mosquitto, influx, work_dir, stack, config, _progress)
    chosen: list[tuple[str, str, Callable[[Context], list[Row]]]] = [
        ("1", "1 drain, 1 reading/msg", scenarios.single_drain),
        ("2", "2 drain, 100 readings/msg", scenarios.batched_drain),
        ("3", "3 ingest (1) vs naive", scenarios.naive_drain),
        ("5", "5 latency", scenarios.latency),
    ]
    results = {
        number: _attempt(ctx, name, scenario)
        for number, name, scenario in chosen
        if only is None or number in only
    }
    rows = [row for number in ("1", "2", "3") for row in results.get(number, [])]
    rows += [*scenarios.memory_rows(ctx), *results.get("5", [])]
    return rows, ctx.details


def _terminate(signum: int, frame: FrameType | None) -> NoReturn:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; exit 1 only with --strict and a missed target."""
    args = _parser().parse_args(argv)
    config = _config(args)
    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    env = environment()
    with ExitStack() as stack:
        if args.keep:
            work_dir = Path(tempfile.mkdtemp(prefix="dampwatch-bench-"))
            _progress(f"scratch directory (kept): {work_dir}")
        else:
            work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dwbench-")))
        try:
            rows, details = run(config, work_dir, stack, args.only)
        except KeyboardInterrupt:
            _progress("interrupted: stopping every process this benchmark started")
            return 130
    elapsed = time.monotonic() - started
    print()
    print(format_table(rows))
    print()
    print(f"environment (whole run {elapsed:.0f} s):")
    print(format_environment(env))
    print("  broker: mosquitto without disk persistence; sessions persistent in memory")
    if args.json:
        document = as_json(rows, env, details) | {"elapsed_s": elapsed, "config": asdict(config)}
        print(json.dumps(document, indent=2, default=str))
    missed = any(row.passed is False for row in rows)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
