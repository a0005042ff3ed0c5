"""`dampwatch predict`: score every home for damp and cold this winter and store the run."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from dampwatch.settings import DatabaseSettings, UnsafeSettingsError, describe_settings_error
from dampwatch_api.db.migrate import migrate_engine
from dampwatch_api.db.session import engine_from_settings, make_session_factory
from dampwatch_api.predict.models import PredictionRun
from dampwatch_api.predict.outcomes import winter_outcomes, winter_start
from dampwatch_api.predict.register import load_register
from dampwatch_api.predict.store import store_run

EXIT_USAGE = 2


def run(settings: DatabaseSettings, seed: int = 0, now: datetime | None = None) -> PredictionRun:
    """Read the register and this winter's outcomes, train, score and store one run."""
    since = winter_start(now or datetime.now(UTC))
    engine = engine_from_settings(settings)
    try:
        migrate_engine(engine)
        with make_session_factory(engine)() as session:
            rows, keys = load_register(session)
            outcomes = winter_outcomes(session, since)
            result = store_run(session, rows, keys, outcomes, since, seed=seed)
            session.commit()
            return result
    finally:
        engine.dispose()


def describe(run: PredictionRun, seconds: float) -> str:
    """What the run learnt from and stored, one line per kind."""
    lines = [
        f"scored {run.homes} homes in {seconds:.1f} s (winter from {run.winter_start:%Y-%m-%d})"
    ]
    for kind, summary in sorted(run.summary.items()):
        if "error" in summary:
            lines.append(f"  {kind}: not trained: {summary['error']}")
        else:
            lines.append(
                f"  {kind}: learnt from {summary['monitored']} monitored homes, "
                f"{summary['hazards']} with the hazard ({summary['calibration']} calibration)"
            )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Parse flags and settings, then run once."""
    parser = argparse.ArgumentParser(
        prog="dampwatch predict",
        description="Rank every home by its chance of damp or cold this winter, with reasons.",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of folds and subsampling")
    parser.add_argument("--json", action="store_true", help="print the run's summary as JSON")
    args = parser.parse_args(argv)
    try:
        settings = DatabaseSettings()
    except (ValidationError, UnsafeSettingsError) as error:
        print(f"dampwatch predict: bad settings: {describe_settings_error(error)}", file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    try:
        result = run(settings, args.seed)
    except SQLAlchemyError as error:
        print(f"dampwatch predict: database error: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"homes": result.homes, "kinds": result.summary}))
    else:
        print(describe(result, time.perf_counter() - started))
    trained = [kind for kind, summary in result.summary.items() if "error" not in summary]
    return 0 if trained else 1
