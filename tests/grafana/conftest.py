"""The boards' PostgreSQL fixtures (see sql_support)."""

from tests.grafana.sql_support import sql_db, sql_template

__all__ = ["sql_db", "sql_template"]
