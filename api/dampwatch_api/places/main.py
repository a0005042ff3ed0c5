"""`dampwatch places refresh` (place every home again) and `dampwatch stock import FILE`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from dampwatch.settings import UnsafeSettingsError, describe_settings_error
from dampwatch_api.settings import ApiAppSettings

OPERATOR = "command line"  # who `dampwatch stock import` records as importing


@contextmanager
def _session(settings: ApiAppSettings) -> Iterator[Session]:
    """A session on the migrated database."""
    from dampwatch_api.db import migrate  # noqa: PLC0415
    from dampwatch_api.db.session import create_db_engine, make_session_factory  # noqa: PLC0415

    migrate(settings.sqlalchemy_url)
    engine = create_db_engine(settings.sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def refresh(settings: ApiAppSettings, as_json: bool) -> int:
    """Place every home again and list those without a place, with reasons (exit 1 if any)."""
    from dampwatch_api.places.placing import load_placer, refresh_places  # noqa: PLC0415

    placer = load_placer(settings)
    with _session(settings) as session:
        placed, unplaced = refresh_places(session, placer)
    if as_json:
        rows = [
            {"home_id": u.home_id, "postcode": u.postcode, "reason": u.reason} for u in unplaced
        ]
        print(json.dumps({"placed": placed, "unplaced": rows}))
    else:
        print(f"{placed} homes placed, {len(unplaced)} without a place ({placer.lookup.source})")
        for home in unplaced:
            print(f"  {home.home_id}: {home.postcode or '(no postcode)'}: {home.reason}")
    return 1 if unplaced else 0


def import_file(settings: ApiAppSettings, path: Path, as_json: bool) -> int:
    """Import a stock CSV as the operator (every home); print refused rows (exit 1 if any)."""
    from dampwatch_api.places.stock import import_stock  # noqa: PLC0415

    text = path.read_text(encoding="utf-8-sig")
    with _session(settings) as session:
        report = import_stock(session, text, OPERATOR, lambda _home: True)
    if as_json:
        print(json.dumps(report.as_json()))
    else:
        print(f"{report.stored} homes' stock facts stored from {path}")
        for error in report.errors:
            print(f"  row {error.row}, {error.field or 'file'}: {error.message}")
    return 1 if report.errors else 0


def _run(name: str, work: Callable[[ApiAppSettings], int]) -> int:
    """Read settings and run `work`, turning expected failures into one line and an exit code."""
    from dampwatch_api.places.placing import PlacesUnavailable  # noqa: PLC0415

    try:
        return work(ApiAppSettings())
    except (UnsafeSettingsError, ValidationError, PlacesUnavailable) as error:
        print(f"dampwatch {name}: {describe_settings_error(error)}", file=sys.stderr)
    except (OSError, UnicodeDecodeError) as error:
        print(f"dampwatch {name}: cannot read the file: {error}", file=sys.stderr)
    except SQLAlchemyError as error:
        print(f"dampwatch {name}: database error: {error.__class__.__name__}", file=sys.stderr)
    return 2


def places_main(argv: Sequence[str] | None = None) -> int:
    """`dampwatch places refresh [--json]`."""
    parser = argparse.ArgumentParser(prog="dampwatch places", description="Homes' places.")
    commands = parser.add_subparsers(dest="command", required=True)
    refresh_parser = commands.add_parser(
        "refresh", help="resolve every home's postcode again; list homes without a place"
    )
    refresh_parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    args = parser.parse_args(argv)
    return _run("places", lambda settings: refresh(settings, args.json))


def stock_main(argv: Sequence[str] | None = None) -> int:
    """`dampwatch stock import FILE [--json]`."""
    parser = argparse.ArgumentParser(prog="dampwatch stock", description="Homes' stock facts.")
    commands = parser.add_subparsers(dest="command", required=True)
    importer = commands.add_parser("import", help="store stock facts from a CSV file")
    importer.add_argument("file", type=Path, help="the stock CSV (see README)")
    importer.add_argument("--json", action="store_true", help="print JSON for scripts")
    args = parser.parse_args(argv)
    return _run("stock", lambda settings: import_file(settings, args.file, args.json))


main = places_main
