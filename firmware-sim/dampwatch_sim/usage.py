"""What makes a `dampwatch sim` argument unusable: one line on stderr, exit code 2."""

from __future__ import annotations

import argparse
import time

from dampwatch.const import FUTURE_TOLERANCE_S
from dampwatch.topics import is_valid_id
from dampwatch_sim.names import SECONDS_PER_DAY


class UsageError(Exception):
    """A bad argument: one line on stderr, exit code 2."""


def check_homes(args: argparse.Namespace) -> None:
    """Refuse options that cannot make a valid cohort or publish."""
    if not is_valid_id(f"{args.home_prefix}-0001"):
        raise UsageError(f"--home-prefix {args.home_prefix!r} does not make valid home ids")
    if args.registry and (args.credentials is not None or args.connection == "home"):
        raise UsageError("--registry needs a shared connection with a user allowed to write it")
    if SECONDS_PER_DAY % args.interval or 3600 % args.interval or args.interval < 60:
        raise UsageError("--interval must be at least 60 s and divide an hour")


def refuse_future(start_s: float, days: int, speed: float, now_s: float | None = None) -> None:
    """An accelerated run must not publish readings from the future."""
    now = time.time() if now_s is None else now_s
    end = start_s + days * SECONDS_PER_DAY
    if speed != 1.0 and end > now + FUTURE_TOLERANCE_S:
        raise UsageError(
            "this accelerated run would publish readings from the future; "
            "pass --start so that start + days is in the past, or --speed 1"
        )
