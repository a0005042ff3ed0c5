"""Alembic environment: online migrations on a given connection or the configured URL."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from dampwatch_api.db.base import Base
from dampwatch_api.db.migrate import load_models
from dampwatch_api.db.session import create_db_engine

load_models()
target_metadata = Base.metadata


def _include_object(
    item: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    # Each branch autogenerates only its own tables (attribute `tables`, a set of names).
    tables = context.config.attributes.get("tables")
    if tables is None or type_ != "table":
        return True
    return name in tables


def _run(connection: Connection) -> None:
    context.configure(
        include_object=_include_object,
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate on the connection the caller passed, or open one from the URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no database URL configured for migrations")
    engine = create_db_engine(url)
    try:
        with engine.begin() as new_connection:
            _run(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("dampwatch migrations run online only")
run_online()
