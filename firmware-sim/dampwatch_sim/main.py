"""`dampwatch sim run|cohort|replay`: simulated homes, labelled cohorts, dataset replay."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from pydantic import SecretStr, ValidationError

from dampwatch.const import MAX_READINGS_PER_MESSAGE
from dampwatch.settings import MqttSettings, describe_settings_error
from dampwatch_sim.names import DEFAULT_INTERVAL_S
from dampwatch_sim.usage import UsageError

PROG = "dampwatch sim"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def _speed(text: str) -> float:
    if text in ("max", "0"):
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number or 'max'") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("speed must be a positive number or 'max'")
    return value


def _time(text: str) -> float:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _add_mqtt(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("broker (defaults from DAMPWATCH_MQTT_*)")
    group.add_argument("--username", help="MQTT user name for a shared connection")
    group.add_argument("--password", help="MQTT password for a shared connection")
    group.add_argument(
        "--credentials",
        type=Path,
        help="per-home passwords (JSON {home: password} or home:password lines); "
        "each home connects as its home id",
    )
    group.add_argument(
        "--connection",
        choices=("home", "shared"),
        default="shared",
        help="one connection per home (with a last will per home hub) or one for all",
    )
    group.add_argument("--batch", type=_positive_int, help="readings per message, up to 1000")


def _add_homes(parser: argparse.ArgumentParser, days_default: int) -> None:
    parser.add_argument("--homes", type=_positive_int, default=10, help="homes (default 10)")
    parser.add_argument("--days", type=_positive_int, default=days_default)
    parser.add_argument("--seed", type=int, default=1, help="same seed, same homes and readings")
    parser.add_argument(
        "--start", type=_time, help="first reading's time (ISO 8601, UTC if no offset)"
    )
    parser.add_argument("--mix", help="archetype shares, e.g. healthy=0.6,damp=0.3,damp+cold=0.1")
    parser.add_argument(
        "--interval", type=_positive_int, default=DEFAULT_INTERVAL_S, help="seconds"
    )
    parser.add_argument("--home-prefix", default="sim", help="home ids are PREFIX-0001 ...")
    parser.add_argument("--registry", action="store_true", help="also publish each home's rooms")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")


def build_parser() -> argparse.ArgumentParser:
    """The command line of `dampwatch sim`."""
    parser = _Parser(prog=PROG, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="publish simulated homes live or accelerated")
    _add_homes(run, days_default=1)
    run.add_argument("--speed", type=_speed, default=1.0, help="times real time, or 'max'")
    _add_mqtt(run)
    cohort = commands.add_parser("cohort", help="a labelled cohort with its ground truth")
    _add_homes(cohort, days_default=30)
    cohort.add_argument("--truth", type=Path, required=True, help="write the ground truth here")
    cohort.add_argument("--output", type=Path, help="write the messages as JSON lines here")
    cohort.add_argument("--no-publish", action="store_true", help="do not publish to the broker")
    _add_mqtt(cohort)
    replay = commands.add_parser("replay", help="replay a real dataset through the broker")
    replay.add_argument(
        "file", type=Path, help="UCI energydata_complete.csv(.gz) or Bristol dataset_3_data.csv"
    )
    replay.add_argument("--home", default="replay-1", help="home id of the replayed house")
    shift = replay.add_mutually_exclusive_group()
    shift.add_argument(
        "--shift-to-now", action="store_true", help="last reading at the current time"
    )
    shift.add_argument("--start", type=_time, help="first reading at this time")
    replay.add_argument("--speed", type=_speed, default=0.0, help="times real time (default max)")
    replay.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    _add_mqtt(replay)
    return parser


def mqtt_settings(args: argparse.Namespace) -> MqttSettings:
    """Broker settings from the environment, with the command line's user and password."""
    overrides: dict[str, Any] = {}
    if args.username is not None:
        overrides["mqtt_username"] = args.username
    if args.password is not None:
        overrides["mqtt_password"] = SecretStr(args.password)
    return MqttSettings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags and settings, then run the chosen command."""
    try:
        args = build_parser().parse_args(list(argv) if argv is not None else None)
        if getattr(args, "batch", None) is not None and args.batch > MAX_READINGS_PER_MESSAGE:
            raise UsageError(f"--batch is at most {MAX_READINGS_PER_MESSAGE}")
        settings = mqtt_settings(args)
        credentials = None
        if args.credentials is not None:
            from dampwatch_sim.publish import load_credentials  # noqa: PLC0415

            try:
                credentials = load_credentials(args.credentials)
            except (OSError, ValueError, UnicodeDecodeError) as error:
                raise UsageError(f"cannot read credentials: {error}") from None
        from dampwatch_sim import commands  # noqa: PLC0415

        if args.command == "replay":
            return commands.replay(args, settings, credentials)
        return commands.simulate(args, settings, credentials)
    except SystemExit as done:  # --help
        return int(done.code or 0)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except ValidationError as error:
        print(f"{PROG}: error: invalid settings: {describe_settings_error(error)}", file=sys.stderr)
        return 2
