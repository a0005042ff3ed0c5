"""`dampwatch opendata publish --out DIR [--period YYYY-MM ...] [--json]`."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from dampwatch.influx import InfluxError, InfluxQL
from dampwatch.opendata.areas import AreaLookupError
from dampwatch.settings import UnsafeSettingsError, describe_settings_error
from dampwatch_api.settings import ApiAppSettings

PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def _period(text: str) -> str:
    if not PERIOD.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month YYYY-MM")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dampwatch opendata",
        description="Publish protected tables of damp, cold and heat by area, deprivation and "
        "stock: CSV, CSV on the Web metadata, a DCAT catalogue.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    publish = commands.add_parser("publish", help="write every table of one or more months")
    publish.add_argument("--out", type=Path, help="directory (default DAMPWATCH_OPENDATA_DIR)")
    publish.add_argument(
        "--period", type=_period, action="append", help="YYYY-MM (repeat; default: last month)"
    )
    publish.add_argument("--json", action="store_true", help="print a JSON summary")
    return parser


def run(settings: ApiAppSettings, out: Path, periods: list[str], as_json: bool) -> int:
    """Publish and print what was written and left out."""
    from dampwatch_api.db import migrate  # noqa: PLC0415
    from dampwatch_api.db.session import create_db_engine, make_session_factory  # noqa: PLC0415
    from dampwatch_api.opendata.job import run_publication  # noqa: PLC0415

    migrate(settings.sqlalchemy_url)
    engine = create_db_engine(settings.sqlalchemy_url)
    influx = InfluxQL(settings)
    try:
        with make_session_factory(engine)() as session:
            done = run_publication(session, influx, settings, out, periods)
    finally:
        influx.close()
        engine.dispose()
    publication = done.publication
    summary = {
        "out": str(out),
        "periods": list(publication.periods),
        "homes": publication.homes,
        "disclosure": publication.control.method.value,
        "public_files": done.public_files,
        "analyst_files": [f"analyst/{name}" for name in done.analyst_files],
        "left_out": done.left_out,
    }
    if as_json:
        print(json.dumps(summary))
    else:
        print(
            f"{publication.homes} homes over {', '.join(periods)} "
            f"({publication.control.method.value}): {len(done.public_files)} public files in "
            f"{out}, {len(done.analyst_files)} for analysts in {out / 'analyst'}"
        )
        for reason, count in sorted(done.left_out.items()):
            print(f"  left out: {count} homes, {reason}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `dampwatch opendata`."""
    from dampwatch_api.opendata.job import PublishError, previous_month  # noqa: PLC0415

    args = _parser().parse_args(argv)
    try:
        settings = ApiAppSettings()
    except (ValidationError, UnsafeSettingsError) as error:
        print(describe_settings_error(error), file=sys.stderr)
        return 2
    out = args.out or settings.published_dir
    try:
        return run(settings, out, args.period or [previous_month()], args.json)
    except (PublishError, AreaLookupError, InfluxError, OSError) as error:
        print(f"dampwatch opendata: {error}", file=sys.stderr)
        return 1
