"""Each board's SQL on PostgreSQL at 10,000 homes, against a plain count in the same run.

Builds a private database on 127.0.0.1:5432 (trust auth) with the project's migrations, then
10,000 homes of 3 rooms, 6,000 open alerts (a quarter acknowledged, a tenth assigned, a tenth
overdue) on as many homes, 500 resolved ones, and an open case with its duties for each home
whose alert is a hazard. Every SQL query of every board (panels and variables, rendered the way
Grafana renders them: the boards' variables at All, the home board on one home) runs as the
read-only role of deploy/postgres/grafana_reader.sql, as Grafana would; the baseline is
`SELECT count(*) FROM alerts`, the least any alert panel can cost. The database and the role
are dropped afterwards.

Run: `make bench-grafana` or `python -m bench.grafana_sql_bench [--homes N] [--repeat R]`.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import insert, select
from tests.grafana.boards_support import render_sql, sql_texts
from tests.grafana.grafana_emulation import ALL, Rendering, TimeRange, Variable
from tests.grafana.sql_support import run_reader_script

from dampwatch.casework.duties import DutyKind, DutyStatus
from dampwatch_api.alerts.models import Alert
from dampwatch_api.cases.models import Case, CaseDuty
from dampwatch_api.db import migrate
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.registry.models import Home, Room
from dampwatch_grafana.generate import dashboards

SERVER = "postgresql://postgres@127.0.0.1:5432"
HOMES = 10_000
OPEN_ALERTS = 6_000
RESOLVED_ALERTS = 500
ROOMS = ("bathroom", "bedroom-1", "kitchen")
HAZARDS = ("mould_risk", "condensation_risk", "cold_home")
KINDS = (*HAZARDS, "device_offline", "battery_low")
SEVERITIES = ("emergency", "high", "medium", "low")
BASELINE = "SELECT count(*) FROM alerts"


def _seed(url: str, homes: int, open_alerts: int) -> None:
    """The estate, written through the API's models in bulk."""
    rng = random.Random(11)
    now = datetime.now(UTC)
    engine = create_db_engine(url)
    with make_session_factory(engine)() as session:
        session.execute(
            insert(Home),
            [
                {
                    "home_id": f"home-{index:05d}",
                    "address": f"{index} Bench Street",
                    "postcode": "BS1 1AA",
                    "portfolio": f"portfolio-{index % 20}",
                    "vulnerabilities": [],
                }
                for index in range(homes)
            ],
        )
        pks = {home_id: pk for home_id, pk in session.execute(select(Home.home_id, Home.id))}
        session.execute(
            insert(Room),
            [
                {
                    "home_pk": pk,
                    "room_id": room,
                    "name": room.replace("-", " ").title(),
                    "kind": "other",
                }
                for pk in pks.values()
                for room in ROOMS
            ],
        )
        alerts = []
        for index in range(open_alerts + RESOLVED_ALERTS):
            # 7919 is prime to the estate's size: each open alert lands on a home of its own.
            home = f"home-{index * 7919 % homes:05d}"
            opened = now - timedelta(hours=rng.randint(1, 24 * 20))
            resolved = index >= open_alerts
            acknowledged = not resolved and index % 4 == 0
            alerts.append(
                {
                    "home_id": home,
                    "room": rng.choice((*ROOMS, "")),
                    "kind": rng.choice(KINDS),
                    "severity": rng.choice(SEVERITIES),
                    "status": "resolved"
                    if resolved
                    else ("acknowledged" if acknowledged else "open"),
                    "opened_at": opened,
                    "condition_since": opened,
                    "last_seen_at": now,
                    "acknowledged_at": opened + timedelta(hours=1) if acknowledged else None,
                    "acknowledged_by": "officer-a" if acknowledged else None,
                    "assigned_to": f"officer-{index // 10 % 5}" if index % 10 == 0 else None,
                    "due_by": opened + timedelta(days=14 if index % 10 else 1),
                    "evidence": {"text": f"bench evidence {index}"},
                }
            )
        session.execute(insert(Alert), alerts)
        cases = [
            {
                "home_id": alert["home_id"],
                "status": "open",
                "level": "significant",
                "opened_at": alert["opened_at"],
                "aware_at": alert["opened_at"],
            }
            for alert in alerts[:open_alerts]
            if alert["kind"] in HAZARDS
        ]
        session.execute(insert(Case), cases)
        case_ids = [
            (case_id, opened)
            for case_id, opened in session.execute(select(Case.id, Case.opened_at))
        ]
        session.execute(
            insert(CaseDuty),
            [
                {"case_id": case_id, "duty": duty.value, "status": status.value, "due_by": due}
                for case_id, opened in case_ids
                for duty, status, due in (
                    (DutyKind.INVESTIGATE, DutyStatus.DUE, opened + timedelta(days=14)),
                    (DutyKind.WRITTEN_SUMMARY, DutyStatus.WAITING, None),
                )
            ],
        )
        session.commit()
    engine.dispose()


def _queries(homes: int) -> Iterator[tuple[str, str, str]]:
    """(board, where, SQL as Grafana sends it) for every SQL query of every board."""
    every_home = [f"home-{index:05d}" for index in range(homes)]
    variables = {
        "alert_state": Variable("alert_state", ALL, options=[], multi=True, all_value="'*'"),
        "assignee": Variable("assignee", ALL, options=[], multi=True, all_value="'*'"),
        "room": Variable("room", ALL, options=list(ROOMS), multi=True),
    }
    for name, board in dashboards().items():
        home = (
            Variable("home", ALL, options=every_home, multi=True)
            if name == "devices.json"
            else Variable("home", "home-00000")
        )
        rendering = Rendering(
            TimeRange.last("7d", int(time.time() * 1000)), variables=variables | {"home": home}
        )
        for where, sql in sql_texts(board):
            yield name.removesuffix(".json"), where, render_sql(sql, rendering)


def _time(connection: psycopg.Connection[Any], sql: str, repeat: int) -> tuple[float, float, int]:
    """(median ms, worst ms, rows) of `sql` run `repeat` times after one warm-up."""
    rows = len(connection.execute(sql).fetchall())
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        connection.execute(sql).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), rows


def main(argv: list[str] | None = None) -> int:
    """Build the estate, time every board's SQL next to the baseline, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.grafana_sql_bench", description=__doc__)
    parser.add_argument("--homes", type=int, default=HOMES)
    parser.add_argument("--alerts", type=int, default=OPEN_ALERTS)
    parser.add_argument("--repeat", type=int, default=20)
    arguments = parser.parse_args(argv)
    suffix = uuid.uuid4().hex[:10]
    database, reader = f"dampwatch_grafana_bench_{suffix}", f"dampwatch_grafana_bench_{suffix}"
    with psycopg.connect(f"{SERVER}/test", autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
        try:
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
            started = time.perf_counter()
            migrate(url)
            _seed(url, arguments.homes, min(arguments.alerts, arguments.homes))
            done = run_reader_script(database, reader, secrets.token_urlsafe(16))
            assert done.returncode == 0, done.stderr
            with psycopg.connect(f"{SERVER}/{database}", autocommit=True) as owner:
                owner.execute("ANALYZE")
            print(
                f"{arguments.homes} homes, {arguments.alerts} open alerts: built in "
                f"{time.perf_counter() - started:.1f} s; median and worst of {arguments.repeat} "
                "runs as the read-only role"
            )
            _report(f"postgresql://{reader}@127.0.0.1:5432/{database}", arguments)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{reader}"')
    return 0


def _report(dsn: str, arguments: argparse.Namespace) -> None:
    with psycopg.connect(dsn, autocommit=True) as connection:
        baseline, worst, rows = _time(connection, BASELINE, arguments.repeat)
        print(
            f"| {'board':<8} | {'query':<56} | {'median ms':>9} | {'worst ms':>8} | "
            f"{'× baseline':>10} | {'rows':>6} |"
        )
        print(f"|{'-' * 10}|{'-' * 58}|{'-' * 11}|{'-' * 10}|{'-' * 12}|{'-' * 8}|")
        print(
            f"| {'baseline':<8} | {BASELINE:<56} | {baseline:>9.2f} | {worst:>8.2f} | "
            f"{1.0:>10.1f} | {rows:>6} |"
        )
        totals: dict[str, float] = {}
        for board, where, sql in _queries(arguments.homes):
            median, worst, rows = _time(connection, sql, arguments.repeat)
            totals[board] = totals.get(board, 0.0) + median
            print(
                f"| {board:<8} | {where[:56]:<56} | {median:>9.2f} | {worst:>8.2f} | "
                f"{median / baseline:>10.1f} | {rows:>6} |"
            )
        for board, total in totals.items():
            label = "every SQL query, one after another"
            print(
                f"| {board:<8} | {label:<56} | {total:>9.2f} | {'':>8} | "
                f"{total / baseline:>10.1f} | {'':>6} |"
            )


if __name__ == "__main__":
    raise SystemExit(main())
