"""`dampwatch demo`: the platform on a local stack, a simulated winter, the homes needing a visit.

Starts Mosquitto, InfluxDB, the ingest and the API (`dampwatch up`), registers a simulated
cohort's homes, rooms and devices through the API, publishes a month of their readings at full
speed, runs one assessment, and prints the officers' board with the URLs and demo sign-ins.
Each run starts afresh: the demo's data lives under DATA_DIR/demo and is replaced next time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from pydantic import ValidationError

from dampwatch.settings import LOOPBACK, MqttSettings, describe_settings_error
from dampwatch_stack.demo_api import ApiError, DemoApi, DemoHome
from dampwatch_stack.demo_casework import run_casework
from dampwatch_stack.demo_feed import (
    FeedError,
    WinterWeather,
    wait_for_registry,
    wait_until_stored,
    winter_shift_days,
)
from dampwatch_stack.demo_places import demo_addresses, place_environment
from dampwatch_stack.demo_report import DemoResult, ProgressBar, print_result, result_document
from dampwatch_stack.servers import ServerStartError
from dampwatch_stack.up import Stack
from dampwatch_stack.up_settings import MissingServerError, PortMode, StackError, UpSettings

DEMO_DIR = "demo"
DEFAULT_HOMES = 50
DEFAULT_DAYS = 30
DEFAULT_SEED = 7
SECONDS_PER_DAY = 86_400
READY_TIMEOUT_S = 90.0
REGISTRY_TIMEOUT_S = 30.0
# What a new run removes under DATA_DIR/demo; the ports in up/state.json stay for stable URLs.
RESET_PATHS = ("up/mosquitto", "up/influxdb", "truth.json", "hact-export.json", "feed")
RESET_GLOBS = ("dampwatch.db*", "*.registry.json", "up/logs/*.log")
REQUIRED_MODULES = {"dampwatch_ingest": "ingest", "dampwatch_api": "api", "dampwatch_sim": "sim"}
EXIT_USAGE = 2


class DemoError(RuntimeError):
    """A step of the demo failed; the message says which and where to look."""


@dataclass(frozen=True)
class DemoOptions:
    """What to simulate and how to report it."""

    homes: int = DEFAULT_HOMES
    days: int = DEFAULT_DAYS
    seed: int = DEFAULT_SEED
    mix: str | None = None
    data_dir: Path = Path("data")
    ports: PortMode = "auto"
    as_json: bool = False
    serve: bool = False


def cohort_start_s(days: int, now_s: float, interval_s: int) -> float:
    """The start that ends the simulated period at the last whole interval before now, so the
    newest readings are minutes old, not from last midnight."""
    return (now_s // interval_s) * interval_s - days * SECONDS_PER_DAY


def shown_path(path: Path) -> str:
    """`path` relative to the working directory when it lies below it, as a person types it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def reset_demo_data(demo_dir: Path) -> None:
    """Remove the previous run's servers' data, database, logs and truth file."""
    for relative in RESET_PATHS:
        path = demo_dir / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    for pattern in RESET_GLOBS:
        for path in demo_dir.glob(pattern):
            path.unlink()


def demo_environment(demo_dir: Path) -> dict[str, str]:
    """What the components need beyond the stack's ports: a development setup of their own."""
    return {
        "DAMPWATCH_ENV": "development",
        "DAMPWATCH_DATABASE_URL": f"sqlite:///{demo_dir / 'dampwatch.db'}",
        "DAMPWATCH_INGEST_CLIENT_ID": "dampwatch-demo-ingest",
    }


class Demo:
    """The demo's steps on one stack; `run` does them in order and stops the stack at the end."""

    def __init__(self, options: DemoOptions, settings: UpSettings, log: TextIO) -> None:
        self.options = options
        self.demo_dir = (options.data_dir / DEMO_DIR).resolve()
        self.log = log
        self.result = DemoResult()
        self._clock = time.monotonic()
        # Component logs go to up/logs/*.log only: the terminal shows the demo's own progress.
        self._quiet = open(os.devnull, "w")  # noqa: SIM115 - closed in stop()
        self.stack = Stack(
            settings,
            self.demo_dir,
            ("ingest", "api"),
            ports=options.ports,
            output=self._quiet,
            extra_env=demo_environment(self.demo_dir) | place_environment(settings),
        )

    def _step(self, name: str) -> None:
        now = time.monotonic()
        self.result.timings_s[name] = round(now - self._clock, 2)
        self._clock = now

    def run(self) -> DemoResult:
        """Start the stack, feed the cohort, assess, read the board."""
        from dampwatch_sim.cohort import build_cohort  # noqa: PLC0415
        from dampwatch_sim.names import DEFAULT_INTERVAL_S, WINTER_MIX  # noqa: PLC0415
        from dampwatch_sim.weather import SyntheticWeather  # noqa: PLC0415

        options = self.options
        self.stack.release_previous()
        reset_demo_data(self.demo_dir)
        self.log.write(f"starting the stack under {self.demo_dir}\n")
        self.stack.start()
        self.stack.wait_ready(READY_TIMEOUT_S)
        self.result.api_url = self.stack.api_url
        self._step("start")
        start_s = cohort_start_s(options.days, time.time(), DEFAULT_INTERVAL_S)
        cohort = build_cohort(
            options.homes, options.days, options.seed, options.mix or WINTER_MIX, start_s
        )
        if shift := winter_shift_days(cohort.start_s, options.days):
            cohort.weather = WinterWeather(SyntheticWeather(options.seed), shift)
        self.result.archetypes = {home.home_id: home.archetype for home in cohort.homes}
        api = DemoApi(self.stack.api_url, self._api_key())
        self._register(api, cohort)
        self._step("register")
        self._publish(cohort)
        self._step("publish_and_store")
        self._assess()
        self._step("assess")
        self._casework()
        self._step("casework")
        self._read_board(api)
        self._step("board")
        return self.result

    def _api_key(self) -> str:
        output = self._dampwatch("apikey", "create", "--role", "admin", "--name", "demo", "--json")
        self.result.api_key = str(json.loads(output)["key"])
        return self.result.api_key

    def _dampwatch(self, *args: str, env: dict[str, str] | None = None) -> str:
        completed = subprocess.run(
            [sys.executable, "-m", "dampwatch.cli", *args],
            env=os.environ | self.stack.component_env() | (env or {}),
            capture_output=True,
            text=True,
            check=False,
        )
        log_path = self.stack.stack_dir / "logs" / f"{args[0]}.log"
        with log_path.open("a", encoding="utf-8") as log:
            log.write(completed.stdout + completed.stderr)
        if completed.returncode != 0:
            tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
            raise DemoError(f"dampwatch {args[0]} failed: {' | '.join(tail)} (log {log_path})")
        return completed.stdout

    def _register(self, api: DemoApi, cohort: Any) -> None:
        homes = []
        count = len(cohort.homes)
        addresses = demo_addresses(self.stack.settings, count, self.options.seed, self.log)
        for number, home in enumerate(cohort.homes, start=1):
            devices = cohort.rooms_of(home.home_id)
            rooms = tuple(dict.fromkeys([*home.rooms, *devices.values()]))
            postcode, town = addresses[number - 1] if addresses else (None, "Bristol")
            homes.append(DemoHome(home.home_id, rooms, devices, number, postcode, town))
        bar = ProgressBar("registering", len(homes), "homes", self.log)
        api.register(homes)
        bar.finish()
        expected = {home.home_id: dict(home.devices) for home in homes}
        wait_for_registry(
            self.stack.mqtt_port,
            self.stack.settings.mqtt_topic_prefix,
            expected,
            REGISTRY_TIMEOUT_S,
        )

    def _publish(self, cohort: Any) -> None:
        from dampwatch_sim.publish import PublishError, publish_cohort  # noqa: PLC0415

        mqtt = MqttSettings(
            mqtt_host=LOOPBACK,
            mqtt_port=self.stack.mqtt_port,
            mqtt_username=None,
            mqtt_password=None,
            mqtt_tls_ca=None,
            mqtt_topic_prefix=self.stack.settings.mqtt_topic_prefix,
            env="development",
        )
        bar = ProgressBar("simulating", self.options.days, "days", self.log)
        try:
            stats = publish_cohort(cohort, mqtt, progress=lambda done, total: bar.update(done))
        except PublishError as error:
            raise DemoError(f"publishing the simulated readings failed: {error}") from None
        bar.finish(f"{stats.readings:,} readings in {stats.messages:,} messages")
        self.result.readings_published = stats.readings
        truth_path = self.demo_dir / "truth.json"
        truth_path.write_text(json.dumps(cohort.truth, indent=1), encoding="utf-8")
        self.result.truth_path = str(truth_path)
        readings_messages = stats.messages - stats.status_messages
        bar = ProgressBar("storing", readings_messages, "messages", self.log)
        samples = wait_until_stored(self.stack.ingest_metrics_url, readings_messages, bar.update)
        self.result.readings_stored = int(samples.get("dampwatch_ingest_readings_written_total", 0))
        bar.finish(f"{self.result.readings_stored:,} readings stored")

    def _assess(self) -> None:
        self.log.write("assessing: mould, damp, cold, overheating, device health ...\n")
        self.log.flush()
        backfill = {"DAMPWATCH_ASSESS_BACKFILL_DAYS": str(self.options.days + 1)}
        self._dampwatch("assess", "--once", env=backfill)

    def _casework(self) -> None:
        self.log.write("casework: cases, statutory deadlines, export and feed ...\n")
        self.log.flush()
        run_casework(self._dampwatch, self.demo_dir, self.result)

    def _read_board(self, api: DemoApi) -> None:
        result = self.result
        result.board = api.board()
        result.officer = api.create_officer()
        base = self.stack.api_url
        pages = api.serves("/board")
        result.urls = {"api": base, "docs": f"{base}/docs", "board_api": f"{base}/v1/board"}
        result.env_file = shown_path(self.stack.env_file)
        if pages:
            result.urls["board"] = f"{base}/board"
        if result.board:
            home_id = str(result.board[0]["home_id"])
            result.tenant = api.create_tenant(home_id)
            result.urls["home_api"] = f"{base}/v1/homes/{home_id}"
            if pages:
                result.urls["home"] = f"{base}/homes/{home_id}"

    def serve_forever(self) -> None:
        """Keep the stack running, with the assessment and casework loops, until Ctrl-C."""
        self.stack.start_component("assess")
        self.stack.start_component("casework")
        while True:
            time.sleep(3600)

    def stop(self) -> None:
        """Stop the stack in order."""
        self.stack.stop()
        self._quiet.close()


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(options: DemoOptions, settings: UpSettings, out: TextIO = sys.stdout) -> int:
    """Run the demo; with `serve`, keep the stack up afterwards until Ctrl-C or SIGTERM."""
    missing = [name for name in REQUIRED_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        extras = ",".join(REQUIRED_MODULES[name] for name in missing)
        print(f"dampwatch demo needs {', '.join(missing)}: pip install 'dampwatch[{extras}]'")
        return EXIT_USAGE
    log = sys.stderr
    started = time.monotonic()
    demo = Demo(options, settings, log)
    serving = False
    try:
        result = demo.run()
        elapsed_s = time.monotonic() - started
        if options.as_json:
            document = result_document(result, options.homes, options.days, options.seed, elapsed_s)
            out.write(json.dumps(document) + "\n")
            out.flush()
        else:
            print_result(result, elapsed_s, out)
        if options.serve:
            log.write("serving until Ctrl-C; the assessment runs every hour\n")
            log.flush()
            serving = True
            demo.serve_forever()
    except KeyboardInterrupt:
        log.write("stopping\n")
        return 0 if serving else 130
    except MissingServerError as error:
        print(str(error).replace("dampwatch up", "dampwatch demo"), file=sys.stderr)
        return EXIT_USAGE
    except (DemoError, FeedError, ApiError, StackError, ServerStartError, OSError) as error:
        print(f"dampwatch demo: {error}", file=sys.stderr)
        print(f"logs: {demo.stack.stack_dir / 'logs'}", file=sys.stderr)
        return 1
    finally:
        demo.stop()
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags and settings, then run the demo."""
    parser = argparse.ArgumentParser(
        prog="dampwatch demo",
        description=(__doc__ or "").split("\n\n", 1)[-1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--homes", type=_positive, default=DEFAULT_HOMES, help="default 50")
    parser.add_argument("--days", type=_positive, default=DEFAULT_DAYS, help="default 30")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same homes")
    parser.add_argument(
        "--mix", help="archetype shares, e.g. healthy=0.5,damp=0.3,cold=0.2 (default: winter mix)"
    )
    parser.add_argument(
        "--ports",
        choices=("auto", "settings"),
        default="auto",
        help="auto (default): free ports, the last run's when still free; settings: the "
        "DAMPWATCH_* ports (1883, 8086, 8000, 9108)",
    )
    parser.add_argument("--data-dir", type=Path, help="DAMPWATCH_DATA_DIR (the demo uses demo/)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
    parser.add_argument(
        "--serve",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep the stack running after the summary until Ctrl-C (default: on a terminal, "
        "without --json)",
    )
    args = parser.parse_args(argv)
    if args.mix is not None:
        from dampwatch_sim.cohort import CohortError, parse_mix  # noqa: PLC0415

        try:
            parse_mix(args.mix)
        except CohortError as error:
            parser.error(str(error))
    try:
        settings = UpSettings()
    except (ValidationError, ValueError) as error:
        print(
            f"dampwatch demo: invalid settings: {describe_settings_error(error)}", file=sys.stderr
        )
        return EXIT_USAGE
    serve = args.serve if args.serve is not None else sys.stdout.isatty() and not args.json
    options = DemoOptions(
        homes=args.homes,
        days=args.days,
        seed=args.seed,
        mix=args.mix,
        data_dir=args.data_dir or settings.data_dir,
        ports=args.ports,
        as_json=args.json,
        serve=serve,
    )
    signal.signal(signal.SIGTERM, _raise_interrupt)
    return run(options, settings)
