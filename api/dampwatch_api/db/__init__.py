"""SQL storage: declarative base, engine and session factory, migrations."""

from dampwatch_api.db.migrate import migrate, migrate_engine

__all__ = ["migrate", "migrate_engine"]
