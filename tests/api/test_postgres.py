"""The migrations and a CRUD round trip on PostgreSQL (127.0.0.1:5432, trust auth)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dampwatch_api.db import migrate
from tests.api.conftest import HOME_NORTH, Api, api_settings, seed, start_api
from tests.support import InfluxDatabase

psycopg = pytest.importorskip("psycopg", reason="psycopg (extra 'postgres') is not installed")
SERVER = "postgresql://postgres@127.0.0.1:5432"


def _admin_connection() -> object:
    try:
        return psycopg.connect(f"{SERVER}/test", autocommit=True, connect_timeout=2)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432: {error}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database of our own, dropped afterwards."""
    name = f"dampwatch_api_{uuid.uuid4().hex[:10]}"
    admin = _admin_connection()
    admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    try:
        yield f"{SERVER}/{name}"
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        admin.close()  # type: ignore[attr-defined]


@pytest.mark.servers
def test_migrations_and_crud_on_postgres(
    pg_url: str, tmp_path: Path, influx_db: InfluxDatabase
) -> None:
    migrate(pg_url)
    migrate(pg_url)  # a second upgrade finds nothing to do
    seed(pg_url)
    api: Api
    # Deleting a home drops its series, so InfluxDB must answer.
    influx = {"influx_url": influx_db.url, "influx_database": influx_db.database}
    for api in start_api(api_settings(pg_url, tmp_path, **influx)):
        room = {"room_id": "bedroom-1", "name": "Bedroom", "kind": "bedroom"}
        assert (
            api.call("POST", f"/v1/homes/{HOME_NORTH}/rooms", "admin", json=room).status_code == 201
        )
        device = {"device_id": "dev-9", "device_type": "zigbee", "room_id": "bedroom-1"}
        made = api.call("POST", f"/v1/homes/{HOME_NORTH}/devices", "officer-north", json=device)
        assert made.status_code == 201 and made.json()["room_id"] == "bedroom-1"
        assert (
            api.call("POST", f"/v1/homes/{HOME_NORTH}/rooms", "admin", json=room).status_code == 409
        )
        assert api.call("DELETE", f"/v1/homes/{HOME_NORTH}", "admin").status_code == 204
        assert api.call("GET", "/v1/board", "admin").json() == []
