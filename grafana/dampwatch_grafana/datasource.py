"""The InfluxDB datasource Grafana reads with InfluxQL: 1.x, or 2.x/3.x via the v1 API.

InfluxDB 1.x takes a database, user and password. InfluxDB 2.x, 3.x and Cloud serve the same
InfluxQL `/query` endpoint over a bucket (its v1 compatibility API) and authenticate with an
`Authorization: Token ...` header, which Grafana sends as a custom header kept in its encrypted
`secureJsonData`.
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
)

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
