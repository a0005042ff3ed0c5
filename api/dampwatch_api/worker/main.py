"""`dampwatch casework`: the casework worker (cases, deadlines, webhooks, the daily feed).

    dampwatch casework                    run until SIGTERM (supervised by `dampwatch up`)
    dampwatch casework --once             one pass, then exit
    dampwatch casework feed --out DIR     write today's feed of open cases and duties to DIR
    dampwatch casework export --out FILE  every case as damp and mould data standard objects

The worker is a process of its own rather than a thread of the API: a slow subscriber never
holds up an API request, the API can run several workers, and `dampwatch up` (or the container
platform) restarts it. Several may run; a lease in the database lets one work at a time.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Final

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from dampwatch.settings import UnsafeSettingsError
from dampwatch.statutory import UK_TIMEZONE
from dampwatch_api.cases import feed
from dampwatch_api.cases.hact_export import export_document
from dampwatch_api.cases.models import Case
from dampwatch_api.db.migrate import migrate_engine
from dampwatch_api.db.session import engine_from_settings, make_session_factory
from dampwatch_api.settings import ApiAppSettings
from dampwatch_api.worker.loop import CaseworkWorker, PassReport

log = logging.getLogger("dampwatch.casework")
EXIT_USAGE: Final = 2
HEARTBEAT: Final = Path("casework") / "heartbeat"


def heartbeat(settings: ApiAppSettings, report: PassReport) -> None:
    """Note that the loop is alive (the container healthcheck reads the file's age)."""
    path = settings.data_dir / HEARTBEAT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("leader\n" if report.leader else "standby\n", encoding="utf-8")


def run(settings: ApiAppSettings, *, once: bool, stop: threading.Event | None = None) -> int:
    """Migrate, then run passes until `stop` (or one pass with `once`)."""
    stop = stop or threading.Event()
    engine = engine_from_settings(settings)
    migrate_engine(engine)
    worker = CaseworkWorker(settings, make_session_factory(engine))
    try:
        while True:
            try:
                report = worker.run_once()
                heartbeat(settings, report)
                if report.delivered or report.fanned_out or report.feed:
                    log.info(
                        "cases %d, events %d, delivered %d%s",
                        report.cases_synced,
                        report.fanned_out,
                        report.delivered,
                        f", feed {report.feed}" if report.feed else "",
                    )
            except OperationalError as error:
                log.error("database unavailable, retrying: %s", str(error).splitlines()[0])
            except Exception:
                # Whatever one pass trips over is logged and the next pass tries again: the
                # worker keeps its lease and its other work going rather than restarting.
                log.exception("casework pass failed; nothing of it was committed past its step")
            if once or stop.wait(settings.casework_poll_s):
                return 0
    finally:
        worker.stop()
        engine.dispose()


def write_feed(settings: ApiAppSettings, out: Path) -> Path:
    """Today's feed into `out`."""
    engine = engine_from_settings(settings)
    try:
        now = datetime.now(UTC)
        with make_session_factory(engine)() as session:
            rows = feed.gather(session, now)
        return feed.write_daily(out, rows, now.astimezone(UK_TIMEZONE).date(), now, keep_days=3650)
    finally:
        engine.dispose()


def write_export(settings: ApiAppSettings, out: Path, status: str | None) -> int:
    """Every case (or those of one status) as standard objects into `out`; the number of cases."""
    engine = engine_from_settings(settings)
    try:
        with make_session_factory(engine)() as session:
            query = select(Case).order_by(Case.id)
            if status is not None:
                query = query.where(Case.status == status)
            cases = list(session.scalars(query))
            document = export_document(session, cases, datetime.now(UTC))
        out.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
        return len(cases)
    finally:
        engine.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dampwatch casework", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    commands = parser.add_subparsers(dest="command")
    feed_parser = commands.add_parser("feed", help="write today's feed of open cases and duties")
    feed_parser.add_argument("--out", type=Path, required=True, help="directory")
    export = commands.add_parser("export", help="cases as damp and mould data standard objects")
    export.add_argument("--out", type=Path, required=True, help="JSON file")
    export.add_argument("--status", choices=("open", "closed"), help="only these cases")
    return parser


def main(argv: list[str]) -> int:
    """Parse flags and settings, then run."""
    args = _parser().parse_args(argv)
    try:
        settings = ApiAppSettings()
    except (ValidationError, UnsafeSettingsError) as error:
        print(f"dampwatch casework: {error}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    if args.command == "feed":
        print(write_feed(settings, args.out))
        return 0
    if args.command == "export":
        print(f"{write_export(settings, args.out, args.status)} cases written to {args.out}")
        return 0
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return run(settings, once=args.once, stop=stop)
