"""The datasources Grafana reads: InfluxDB with InfluxQL, and PostgreSQL with SQL.

InfluxDB 1.x takes a database, user and password. InfluxDB 2.x, 3.x and Cloud serve the same
InfluxQL `/query` endpoint over a bucket (its v1 compatibility API) and authenticate with an
`Authorization: Token ...` header, which Grafana sends as a custom header kept in its encrypted
`secureJsonData`. PostgreSQL is read as the read-only role of deploy/postgres/grafana_reader.sql.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dampwatch.settings import InfluxSettings
from dampwatch_grafana.schema import (
    DATASOURCE_NAME,
    DATASOURCE_TYPE,
    DATASOURCE_UID,
    READING_MIN_INTERVAL,
    SQL_DATASOURCE_NAME,
    SQL_DATASOURCE_TYPE,
    SQL_DATASOURCE_UID,
)
from dampwatch_grafana.settings import GrafanaSettings

InfluxApi = Literal["v1", "v2"]
AUTH_HEADER = "Authorization"


@dataclass(frozen=True)
class InfluxConnection:
    """How Grafana reaches InfluxDB: values, or `${VAR}` placeholders in provisioning files."""

    api: InfluxApi
    url: str
    database: str
    username: str = ""
    password: str = ""
    token: str = ""


def datasource_payload(connection: InfluxConnection) -> dict[str, object]:
    """The datasource as Grafana's HTTP API and provisioning files describe it."""
    json_data: dict[str, object] = {
        "dbName": connection.database,
        "httpMode": "POST",
        "timeInterval": READING_MIN_INTERVAL,
        "version": "InfluxQL",
    }
    secure: dict[str, str] = {}
    payload: dict[str, object] = {
        "uid": DATASOURCE_UID,
        "name": DATASOURCE_NAME,
        "type": DATASOURCE_TYPE,
        "access": "proxy",
        "url": connection.url,
        "isDefault": False,
        "jsonData": json_data,
    }
    if connection.api == "v1":
        if connection.username:
            payload["user"] = connection.username
        if connection.password:
            secure["password"] = connection.password
    else:
        json_data["httpHeaderName1"] = AUTH_HEADER
        secure["httpHeaderValue1"] = f"Token {connection.token}"
    if secure:
        payload["secureJsonData"] = secure
    return payload


def connection_from_settings(settings: InfluxSettings, url: str | None = None) -> InfluxConnection:
    """The connection for `DAMPWATCH_INFLUX_*`; `url` when Grafana sees InfluxDB elsewhere."""
    if settings.influx_api == "v1":
        return InfluxConnection(
            api="v1",
            url=url or settings.influx_url,
            database=settings.influx_database,
            username=settings.influx_username or "",
            password=(
                settings.influx_password.get_secret_value() if settings.influx_password else ""
            ),
        )
    return InfluxConnection(
        api="v2",
        url=url or settings.influx_url,
        database=settings.influx_bucket,
        token=settings.influx_token.get_secret_value() if settings.influx_token else "",
    )


def provisioned_connection(api: InfluxApi) -> InfluxConnection:
    """The connection as environment placeholders Grafana expands when it reads provisioning."""
    if api == "v1":
        return InfluxConnection(
            api="v1",
            url="${DAMPWATCH_INFLUX_URL}",
            database="${DAMPWATCH_INFLUX_DATABASE}",
            username="${DAMPWATCH_INFLUX_USERNAME}",
            password="${DAMPWATCH_INFLUX_PASSWORD}",  # noqa: S106 (a placeholder)
        )
    return InfluxConnection(
        api="v2",
        url="${DAMPWATCH_INFLUX_URL}",
        database="${DAMPWATCH_INFLUX_BUCKET}",
        token="${DAMPWATCH_INFLUX_TOKEN}",  # noqa: S106 (a placeholder)
    )


# Connections Grafana keeps to PostgreSQL: a few, as the boards' queries are small and the
# same database serves the API.
SQL_MAX_OPEN_CONNECTIONS = 10


@dataclass(frozen=True)
class SqlConnection:
    """How Grafana reaches PostgreSQL: values, or `${VAR}` placeholders in provisioning files."""

    host: str
    port: str
    database: str
    user: str
    password: str
    sslmode: str


def sql_datasource_payload(connection: SqlConnection) -> dict[str, object]:
    """The PostgreSQL datasource as Grafana's HTTP API and provisioning files describe it."""
    payload: dict[str, object] = {
        "uid": SQL_DATASOURCE_UID,
        "name": SQL_DATASOURCE_NAME,
        "type": SQL_DATASOURCE_TYPE,
        "access": "proxy",
        "url": f"{connection.host}:{connection.port}",
        "user": connection.user,
        "isDefault": False,
        "jsonData": {
            "database": connection.database,
            "sslmode": connection.sslmode,
            "postgresVersion": 1500,
            "timescaledb": False,
            "maxOpenConns": SQL_MAX_OPEN_CONNECTIONS,
            "maxIdleConnsAuto": True,
            "connMaxLifetime": 14400,
        },
    }
    if connection.password:
        payload["secureJsonData"] = {"password": connection.password}
    return payload


def sql_connection_from_settings(settings: GrafanaSettings) -> SqlConnection:
    """The connection for `DAMPWATCH_GRAFANA_DB_*` (the password or its file)."""
    return SqlConnection(
        host=settings.grafana_db_host,
        port=str(settings.grafana_db_port),
        database=settings.grafana_db_database,
        user=settings.grafana_db_user,
        password=settings.grafana_db_secret(),
        sslmode=settings.grafana_db_sslmode,
    )


def provisioned_sql_connection() -> SqlConnection:
    """The connection as environment placeholders Grafana expands when it reads provisioning."""
    return SqlConnection(
        host="${DAMPWATCH_GRAFANA_DB_HOST}",
        port="${DAMPWATCH_GRAFANA_DB_PORT}",
        database="${DAMPWATCH_GRAFANA_DB_DATABASE}",
        user="${DAMPWATCH_GRAFANA_DB_USER}",
        password="${DAMPWATCH_GRAFANA_DB_PASSWORD}",  # noqa: S106 (a placeholder)
        sslmode="${DAMPWATCH_GRAFANA_DB_SSLMODE}",
    )
