"""A private PostgreSQL database for the boards' SQL: the project's migrations, the registry and
alerts written through the API's own services, read back as Grafana's read-only role."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from sqlalchemy.orm import Session

from dampwatch.assessment.kinds import AlertKind, Evidence, Finding, Severity
from dampwatch_api.alerts.raising import raise_or_update
from dampwatch_api.db import migrate
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.registry.models import Home, Room

SERVER = "postgresql://postgres@127.0.0.1:5432"
READER_SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "postgres" / "grafana_reader.sql"


def admin_connection(database: str = "test") -> psycopg.Connection[Any]:
    """A superuser connection, or a skip naming why PostgreSQL is not there."""
    try:
        return psycopg.connect(f"{SERVER}/{database}", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 (trust auth): {error}")


def run_reader_script(
    database: str, reader: str, password: str
) -> subprocess.CompletedProcess[str]:
    """deploy/postgres/grafana_reader.sql run with psql the way the deployment runs it."""
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql (postgresql-client) is not installed")
    command = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"reader={reader}"]
    if password:
        command += ["-v", f"password={password}"]
    command += ["-h", "127.0.0.1", "-U", "postgres", "-d", database, "-f", str(READER_SCRIPT)]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)


@dataclass
class SqlDatabase:
    """One migrated database; `rows` answers as the reader role, `sessions` as the API."""

    name: str
    reader: str

    @property
    def url(self) -> str:
        """The SQLAlchemy URL the API uses."""
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.name}"

    def reader_connection(self) -> psycopg.Connection[dict[str, Any]]:
        """A connection as Grafana's role (trust auth on loopback: no password asked)."""
        return psycopg.connect(
            f"postgresql://{self.reader}@127.0.0.1:5432/{self.name}",
            autocommit=True,
            row_factory=dict_row,
        )

    def rows(self, sql: str) -> list[dict[str, Any]]:
        """The rows Grafana's datasource gets for `sql`."""
        with self.reader_connection() as connection:
            return list(connection.execute(sql))

    def sessions(self) -> Iterator[Session]:
        """A session of the API's own models on this database."""
        engine = create_db_engine(self.url)
        try:
            with make_session_factory(engine)() as session:
                yield session
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def sql_template() -> Iterator[tuple[str, str]]:
    """(template database, reader role): migrated once; each test copies it."""
    admin = admin_connection()
    suffix = uuid.uuid4().hex[:10]
    template, reader = f"dampwatch_grafana_tpl_{suffix}", f"dampwatch_grafana_{suffix}"
    admin.execute(f'CREATE DATABASE "{template}"')
    try:
        migrate(f"postgresql+psycopg://postgres@127.0.0.1:5432/{template}")
        yield template, reader
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        admin.execute(f'DROP ROLE IF EXISTS "{reader}"')
        admin.close()


@pytest.fixture
def sql_db(sql_template: tuple[str, str]) -> Iterator[SqlDatabase]:
    """A fresh copy of the migrated database with the reader role's grants, dropped afterwards."""
    template, reader = sql_template
    name = f"dampwatch_grafana_{uuid.uuid4().hex[:12]}"
    admin = admin_connection()
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        done = run_reader_script(name, reader, secrets.token_urlsafe(16))
        assert done.returncode == 0, done.stderr
        yield SqlDatabase(name, reader)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def register(db: SqlDatabase, homes: Mapping[str, tuple[str, Mapping[str, str]]]) -> None:
    """Homes by id: (address, {room id: room name}), through the registry's models."""
    for session in db.sessions():
        for home_id, (address, rooms) in homes.items():
            home = Home(home_id=home_id, address=address, postcode="BS1 1AA", portfolio="north")
            session.add(home)
            session.flush()
            for room_id, name in rooms.items():
                session.add(Room(home_pk=home.id, room_id=room_id, name=name, kind="other"))
        session.commit()


def raise_alert(
    db: SqlDatabase,
    home_id: str,
    room: str,
    kind: AlertKind,
    severity: Severity,
    at: datetime | None = None,
) -> int:
    """Open an alert as the assessment job does; its id."""
    moment = at or datetime.now(UTC)
    finding = Finding(
        home_id=home_id,
        room=room,
        kind=kind,
        severity=severity,
        evidence=Evidence("The wall was damp for 90 of 168 hours.", 168, "BS 5250", {}),
        condition_since=moment - timedelta(days=3),
    )
    for session in db.sessions():
        alert = raise_or_update(session, finding, moment)
        session.commit()
        return alert.id
    raise AssertionError("no session")
