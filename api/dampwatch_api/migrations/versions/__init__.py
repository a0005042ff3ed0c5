"""Alembic revisions of the registry and alerts branches."""
