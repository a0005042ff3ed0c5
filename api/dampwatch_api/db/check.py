"""Open the platform's database for a command run by hand, never creating an empty one."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from dampwatch_api.db.session import create_db_engine, normalise_url

# A table every migrated dampwatch database has (the registry's first migration makes it).
MARKER_TABLE: Final = "homes"


class NotPlatformDatabase(Exception):
    """The URL names no database, or one that is not dampwatch's (not migrated)."""


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def open_platform_database(url: str) -> Engine:
    """An engine on the dampwatch database at `url`; SQLite files are never created here."""
    url = normalise_url(url)
    parsed = make_url(url)
    database = parsed.database or ""
    if (
        parsed.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not database.startswith("file:")
        and not Path(database).is_file()
    ):
        raise NotPlatformDatabase(f"there is no database at {database}")
    engine = create_db_engine(url)
    try:
        has_marker = inspect(engine).has_table(MARKER_TABLE)
    except SQLAlchemyError as error:
        engine.dispose()
        raise NotPlatformDatabase(
            f"cannot open {_shown(url)}: {error.__class__.__name__}"
        ) from error
    if not has_marker:
        engine.dispose()
        raise NotPlatformDatabase(
            f"{_shown(url)} is not a dampwatch database (it has no {MARKER_TABLE} table)"
        )
    return engine
