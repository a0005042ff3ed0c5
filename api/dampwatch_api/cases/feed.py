"""The feed for housing systems without an API: open cases and their duties, as CSV and as SQL.

`cases.csv` has one row per open case, `duties.csv` one row per duty of those cases; `cases.sql`
holds the same rows as standard SQL (CREATE TABLE IF NOT EXISTS, DELETE, INSERT in one
transaction) that PostgreSQL, SQLite and most databases load as they are. The casework worker
writes the three files into `DATA_DIR/feed/YYYY-MM-DD/` every day, with a `manifest.json` of
their row counts and SHA-256 digests; `/v1/feeds/...` serves the same files on demand.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Column, Integer, MetaData, Table, Text, delete, insert, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from dampwatch.casework.duties import Duty, next_duty
from dampwatch_api.cases.events import duties_of
from dampwatch_api.cases.models import Case, CaseStep
from dampwatch_api.registry.models import Home
from dampwatch_api.webhooks.outbox import rfc3339

CASE_COLUMNS: Final = (
    "case_reference", "case_id", "home_id", "landlord_ref", "address", "postcode", "portfolio",
    "status", "level", "opened_at", "aware_at", "assigned_to", "escalated_to", "next_duty",
    "next_duty_due_by", "overdue", "investigated_at", "outcome", "summary_sent_at",
    "made_safe_at",
)  # fmt: skip
DUTY_COLUMNS: Final = (
    "case_reference", "case_id", "home_id", "landlord_ref", "duty", "title", "status", "due_by",
    "done_at", "endeavours",
)  # fmt: skip
INTEGER_COLUMNS: Final = frozenset({"case_id", "overdue", "endeavours"})
FREE_TEXT: Final = frozenset({"landlord_ref", "address", "assigned_to", "escalated_to"})
# A spreadsheet runs a cell starting with these as a formula (CSV injection).
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
FILES: Final = ("cases.csv", "duties.csv", "cases.sql")


@dataclass(frozen=True)
class Feed:
    """The rows of one feed."""

    cases: list[dict[str, Any]]
    duties: list[dict[str, Any]]


def _when(moment: datetime | None) -> str | None:
    return rfc3339(moment) if moment is not None else None


def _endeavours(session: Session, case_ids: list[int]) -> dict[tuple[int, str], int]:
    """How many reasonable endeavours records each case keeps for each duty."""
    counts: dict[tuple[int, str], int] = {}
    query = select(CaseStep.case_id, CaseStep.duty).where(
        CaseStep.case_id.in_(case_ids), CaseStep.kind == "reasonable_endeavours"
    )
    for case_id, duty in session.execute(query).all():
        counts[(case_id, str(duty))] = counts.get((case_id, str(duty)), 0) + 1
    return counts


def _case_row(case: Case, home: Home | None, duties: list[Duty]) -> dict[str, Any]:
    upcoming = next_duty(duties)
    return {
        "address": home.address if home is not None else None,
        "postcode": home.postcode if home is not None else None,
        "portfolio": home.portfolio if home is not None else None,
        "status": case.status,
        "level": case.level,
        "opened_at": _when(case.opened_at),
        "aware_at": _when(case.aware_at),
        "assigned_to": case.assigned_to,
        "escalated_to": case.escalated_to,
        "next_duty": upcoming.kind.value if upcoming else None,
        "next_duty_due_by": _when(upcoming.due_by) if upcoming else None,
        "overdue": int(any(duty.status.value == "overdue" for duty in duties)),
        "investigated_at": _when(case.investigated_at),
        "outcome": case.outcome,
        "summary_sent_at": _when(case.summary_sent_at),
        "made_safe_at": _when(case.made_safe_at),
    }


def gather(session: Session, now: datetime, home_ids: Collection[str] | None = None) -> Feed:
    """The open cases (of `home_ids`, or all) and their duties at `now`."""
    query = select(Case, Home).outerjoin(Home, Home.home_id == Case.home_id)
    query = query.where(Case.status == "open").order_by(Case.id)
    if home_ids is not None:
        query = query.where(Case.home_id.in_(list(home_ids)))
    rows = session.execute(query).all()
    endeavours = _endeavours(session, [case.id for case, _home in rows])
    feed = Feed([], [])
    for case, home in rows:
        duties = duties_of(case, now)
        common = {
            "case_reference": case.reference,
            "case_id": case.id,
            "home_id": case.home_id,
            "landlord_ref": home.landlord_ref if home is not None else None,
        }
        feed.cases.append(common | _case_row(case, home, duties))
        feed.duties.extend(
            common
            | {
                "duty": duty.kind.value,
                "title": duty.title,
                "status": duty.status.value,
                "due_by": _when(duty.due_by),
                "done_at": _when(duty.done_at),
                "endeavours": endeavours.get((case.id, duty.kind.value), 0),
            }
            for duty in duties
        )
    return feed


def _cell(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if column in FREE_TEXT and str(value).startswith(FORMULA_START):
        return "'" + str(value)
    return value


def to_csv(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV with a header (text a spreadsheet would run as a formula is quoted off)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([_cell(column, row[column]) for column in columns] for row in rows)
    return out.getvalue()


def _table(metadata: MetaData, name: str, columns: Sequence[str]) -> Table:
    return Table(
        name,
        metadata,
        *(Column(c, Integer if c in INTEGER_COLUMNS else Text) for c in columns),
    )


def to_sql(feed: Feed) -> str:
    """The feed as SQL statements that replace the tables' rows in one transaction."""
    metadata = MetaData()
    dialect = sqlite.dialect()
    lines = ["BEGIN;"]
    for name, columns, rows in (
        ("dampwatch_open_cases", CASE_COLUMNS, feed.cases),
        ("dampwatch_case_duties", DUTY_COLUMNS, feed.duties),
    ):
        table = _table(metadata, name, columns)
        create = str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)).strip()
        lines += [create + ";", f"{delete(table).compile(dialect=dialect)};"]
        for row in rows:
            statement = insert(table).values({c: row[c] for c in columns})
            literal = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
            lines.append(f"{literal};")
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def render(feed: Feed) -> dict[str, str]:
    """The feed's files by name."""
    return {
        "cases.csv": to_csv(feed.cases, CASE_COLUMNS),
        "duties.csv": to_csv(feed.duties, DUTY_COLUMNS),
        "cases.sql": to_sql(feed),
    }


def write_daily(root: Path, feed: Feed, day: date, generated_at: datetime, keep_days: int) -> Path:
    """Write the day's directory atomically (a temporary one, then renamed); prune old days."""
    target = root / day.isoformat()
    staging = root / f".{day.isoformat()}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    manifest: dict[str, Any] = {"date": day.isoformat(), "generated_at": rfc3339(generated_at)}
    counts = {"cases.csv": len(feed.cases), "duties.csv": len(feed.duties), "cases.sql": None}
    for name, text in render(feed).items():
        data = text.encode("utf-8")
        (staging / name).write_bytes(data)
        manifest[name] = {"rows": counts[name], "sha256": hashlib.sha256(data).hexdigest()}
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    days = sorted(
        path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")
    )
    for old in days[:-keep_days]:
        shutil.rmtree(old, ignore_errors=True)
    return target
