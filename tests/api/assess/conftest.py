"""SQL databases for the alert and assessment tests: SQLite always, PostgreSQL when it runs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from dampwatch_api.db.migrate import migrate_engine
from dampwatch_api.db.session import create_db_engine

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_engine() -> Iterator[Engine]:
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = f"dampwatch_assess_{uuid.uuid4().hex[:10]}"
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not available: {error}")
    engine = create_db_engine(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database: SQLite in a file, or a private PostgreSQL database."""
    if request.param == "sqlite":
        created = create_db_engine(f"sqlite:///{tmp_path / 'alerts.db'}")
        migrate_engine(created)
        yield created
        created.dispose()
        return
    for created in _postgres_engine():
        migrate_engine(created)
        yield created


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database only."""
    created = create_db_engine(f"sqlite:///{tmp_path / 'assess.db'}")
    migrate_engine(created)
    yield created
    created.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the parametrised database."""
    with sessionmaker(bind=engine, expire_on_commit=False)() as opened:
        yield opened
