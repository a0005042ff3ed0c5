"""deploy/postgres/grafana_reader.sql: the role reads the boards' columns and nothing else."""

from __future__ import annotations

import psycopg
import pytest

from dampwatch_grafana.sqlqueries import BOARD_COLUMNS
from tests.grafana.sql_support import SqlDatabase, admin_connection, run_reader_script

pytestmark = pytest.mark.servers
# Tables holding people, credentials or secrets: never readable by Grafana.
REFUSED_TABLES = (
    "users",
    "api_keys",
    "tenants",
    "consent_events",
    "one_time_links",
    "webhook_subscriptions",
    "webhook_outbox",
    "sign_in_failures",
    "alert_notes",
    "case_steps",
)


def test_the_reader_selects_the_board_columns(sql_db: SqlDatabase) -> None:
    with sql_db.reader_connection() as connection:
        for table, columns in BOARD_COLUMNS.items():
            connection.execute(f"SELECT {', '.join(columns)} FROM {table} LIMIT 1")


def test_grants_are_exactly_the_board_columns(sql_db: SqlDatabase) -> None:
    with admin_connection(sql_db.name) as connection:
        granted = connection.execute(
            "SELECT table_name, column_name, privilege_type "
            "FROM information_schema.column_privileges WHERE grantee = %s",
            (sql_db.reader,),
        ).fetchall()
        tables = connection.execute(
            "SELECT table_name FROM information_schema.table_privileges WHERE grantee = %s",
            (sql_db.reader,),
        ).fetchall()
    assert {privilege for _, _, privilege in granted} == {"SELECT"}
    assert {(table, column) for table, column, _ in granted} == {
        (table, column) for table, columns in BOARD_COLUMNS.items() for column in columns
    }
    assert tables == [], "no privilege on whole tables"


@pytest.mark.parametrize("table", REFUSED_TABLES)
def test_the_reader_is_refused_people_and_secrets(sql_db: SqlDatabase, table: str) -> None:
    with (
        sql_db.reader_connection() as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute(f"SELECT * FROM {table}")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT vulnerabilities FROM homes",
        "SELECT landlord_ref FROM homes",
        "SELECT evidence FROM alerts",
        "SELECT resolution FROM alerts",
        "SELECT * FROM alerts",
    ],
)
def test_the_reader_is_refused_other_columns(sql_db: SqlDatabase, sql: str) -> None:
    with (
        sql_db.reader_connection() as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE alerts SET status = 'resolved'",
        "DELETE FROM cases",
        "INSERT INTO homes (home_id) VALUES ('x')",
        "CREATE TABLE grafana_scratch (id int)",
    ],
)
def test_the_reader_writes_nothing(sql_db: SqlDatabase, sql: str) -> None:
    with sql_db.reader_connection() as connection, pytest.raises(psycopg.errors.Error) as caught:
        connection.execute(sql)
    assert isinstance(
        caught.value, psycopg.errors.InsufficientPrivilege | psycopg.errors.ReadOnlySqlTransaction
    )


def test_the_script_is_idempotent_and_needs_a_password(sql_db: SqlDatabase) -> None:
    again = run_reader_script(sql_db.name, sql_db.reader, "another-password")
    assert again.returncode == 0, again.stderr
    test_grants_are_exactly_the_board_columns(sql_db)
    missing = run_reader_script(sql_db.name, sql_db.reader, "")
    assert missing.returncode != 0
    assert "give the role's password" in missing.stderr
