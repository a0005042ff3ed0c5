"""Withdrawn consent end to end: the API publishes it, the ingest withholds, without a restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dampwatch.influx import InfluxQL
from dampwatch_api.app import create_app
from dampwatch_api.db import migrate
from dampwatch_api.settings import ApiAppSettings
from dampwatch_stack.servers import MosquittoServer
from tests.api.conftest import HOME_NORTH, PASSWORD, Api, api_settings, seed
from tests.support import InfluxDatabase
from tests.support.ingest import (
    Publisher,
    ThreadedIngest,
    count_readings,
    ingest_settings,
    reading_messages,
    wait_until,
)

pytestmark = [pytest.mark.servers, pytest.mark.slow]
PER_BATCH = 20
REGISTRY_SETTLE_S = 1.0


@pytest.fixture
def linked(tmp_path: Path, influx_db: InfluxDatabase, mosquitto: MosquittoServer) -> Iterator[Api]:
    """The API connected to the broker, so consent changes reach the retained registry."""
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    settings: ApiAppSettings = api_settings(
        url,
        tmp_path,
        influx_url=influx_db.url,
        influx_database=influx_db.database,
        mqtt_host="127.0.0.1",
        mqtt_port=mosquitto.port,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        api = Api(client, settings)
        for name in ("tenant-north", "officer-north"):
            response = client.post("/v1/auth/token", data={"username": name, "password": PASSWORD})
            api.tokens[name] = response.json()["access_token"]
        yield api


def _batch(start_s: float) -> list[tuple[str, bytes]]:
    return reading_messages(1, PER_BATCH, home=HOME_NORTH, start_s=start_s)


def _consent(api: Api, granted: bool) -> None:
    response = api.call(
        "PUT", f"/v1/homes/{HOME_NORTH}/consent", "tenant-north", json={"granted": granted}
    )
    assert response.status_code == 200 and response.json()["consent"] is granted
    # The retained message is acknowledged by the broker; the ingest applies it a moment later,
    # in line with the readings received around it.
    time.sleep(REGISTRY_SETTLE_S)
    assert api.client.app.state.context.registry.failures == 0  # type: ignore[attr-defined]


def test_withdrawn_consent_stops_storage(
    linked: Api, influx_db: InfluxDatabase, mosquitto: MosquittoServer, tmp_path: Path
) -> None:
    query = InfluxQL(linked.settings)
    where = f"WHERE home = '{HOME_NORTH}'"
    settings = ingest_settings(
        mosquitto.port, influx_db.url, influx_db.database, tmp_path / "ingest"
    )
    base = time.time() - 3600
    with ThreadedIngest(settings) as ingest:
        publisher = Publisher(mosquitto.port)
        publisher.publish_all(_batch(base))
        wait_until(lambda: count_readings(query, where) == PER_BATCH, 20, "the first batch")
        _consent(linked, False)
        assert ingest.ingest.registry.consents(HOME_NORTH) is False
        publisher.publish_all(_batch(base + 1000))
        assert (
            linked.call("GET", f"/v1/homes/{HOME_NORTH}/readings", "officer-north").status_code
            == 451
        )
        _consent(linked, True)
        publisher.publish_all(_batch(base + 2000))
        wait_until(lambda: count_readings(query, where) >= 2 * PER_BATCH, 20, "the third batch")
        publisher.close()
    first_ms, last_ms = int((base + 1000) * 1000), int((base + 2000) * 1000)
    withheld = f"{where} AND time >= {first_ms}ms AND time < {last_ms}ms"
    assert count_readings(query, withheld) == 0
    assert count_readings(query, where) == 2 * PER_BATCH
    query.close()
