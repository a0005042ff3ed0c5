"""`dampwatch report HOME [--from DAY] [--to DAY] [--output FILE]`: a condition report as PDF."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select

from dampwatch.influx import InfluxError, InfluxQL
from dampwatch.settings import describe_settings_error
from dampwatch_api.db.check import NotPlatformDatabase, open_platform_database
from dampwatch_api.db.session import make_session_factory
from dampwatch_api.registry.models import Home
from dampwatch_api.report.route import PeriodError, report_pdf
from dampwatch_api.settings import ApiAppSettings


class ReportFailed(Exception):
    """A clear one-line reason the report could not be written."""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dampwatch report", description="Write a home's condition report as PDF."
    )
    parser.add_argument("home", help="the public home id")
    parser.add_argument("--from", dest="start", type=_day, help="first day (default: 30 days ago)")
    parser.add_argument("--to", dest="end", type=_day, help="last day, included (default: today)")
    parser.add_argument("--output", type=Path, help="the PDF file (default: report-HOME.pdf)")
    parser.add_argument(
        "--env-file",
        type=Path,
        help="read DAMPWATCH_* settings from this file, e.g. a running demo's "
        "data/demo/up/stack.env (default: .env)",
    )
    return parser


WHERE_HINT = (
    "set DAMPWATCH_DATABASE_URL to the platform's database, or run against a local stack with "
    "--env-file DATA_DIR/up/stack.env (the demo's: --env-file data/demo/up/stack.env)"
)


def run(
    settings: ApiAppSettings, home_id: str, start: date | None, end: date | None, output: Path
) -> int:
    """Write the report of `home_id` to `output`; returns its size in bytes."""
    try:
        engine = open_platform_database(settings.sqlalchemy_url)
    except NotPlatformDatabase as error:
        raise ReportFailed(f"{error}; {WHERE_HINT}") from error
    influx = InfluxQL(settings)
    try:
        with make_session_factory(engine)() as session:
            home = session.scalar(select(Home).where(Home.home_id == home_id))
            if home is None:
                raise ReportFailed(f"no home {home_id!r} in the registry")
            content = report_pdf(session, influx, home, start, end)
    except PeriodError as error:
        raise ReportFailed(str(error)) from error
    except InfluxError as error:
        raise ReportFailed(f"InfluxDB at {settings.influx_url}: {error}; {WHERE_HINT}") from error
    finally:
        influx.close()
        engine.dispose()
    try:
        output.write_bytes(content)
    except OSError as error:
        raise ReportFailed(f"cannot write {output}: {error.strerror}") from error
    return len(content)


def main(argv: list[str]) -> int:
    """Parse flags and settings, then `run`."""
    args = _parser().parse_args(argv)
    output: Path = args.output or Path(f"report-{args.home}.pdf")
    if args.env_file is not None and not args.env_file.is_file():
        print(f"dampwatch report: no settings file {args.env_file}", file=sys.stderr)
        return 2
    try:
        settings = ApiAppSettings(_env_file=args.env_file or ".env")
        size = run(settings, args.home, args.start, args.end, output)
    except (ReportFailed, ValidationError, ValueError) as error:
        print(
            f"dampwatch report: {describe_settings_error(error)}".splitlines()[0], file=sys.stderr
        )
        return 2
    print(f"wrote {output} ({size} bytes)")
    return 0
