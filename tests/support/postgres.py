"""A database of the test's own inside the machine's PostgreSQL (127.0.0.1:5432, trust auth)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Final

import pytest
from sqlalchemy import create_engine, text

POSTGRES: Final = "postgresql+psycopg://postgres@127.0.0.1:5432"


def temporary_database(prefix: str) -> Iterator[str]:
    """Create a database named `prefix` + a random suffix, yield its URL, drop it after.

    Skips the test when PostgreSQL cannot be reached.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{POSTGRES}/test", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not available: {error}")
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
