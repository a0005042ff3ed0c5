"""Fixtures for ingest tests: a worker's settings on the session's real servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dampwatch.influx import InfluxQL
from dampwatch_ingest.settings import IngestSettings
from tests.support.ingest import Publisher, ingest_settings


@pytest.fixture
def make_settings(mosquitto: Any, influx_db: Any, tmp_path: Path) -> Callable[..., IngestSettings]:
    """Settings factory for a worker on this test's broker and database."""

    def factory(**overrides: Any) -> IngestSettings:
        values: dict[str, Any] = {
            "mqtt_port": mosquitto.port,
            "influx_url": influx_db.url,
            "database": influx_db.database,
            "data_dir": tmp_path / "ingest",
        }
        values.update(overrides)
        return ingest_settings(
            values.pop("mqtt_port"),
            values.pop("influx_url"),
            values.pop("database"),
            values.pop("data_dir"),
            **values,
        )

    return factory


@pytest.fixture
def influxql(make_settings: Callable[..., IngestSettings]) -> Iterator[InfluxQL]:
    """InfluxQL reads of this test's database, through the product's own client."""
    client = InfluxQL(make_settings())
    yield client
    client.close()


@pytest.fixture
def publisher(mosquitto: Any) -> Iterator[Publisher]:
    """A QoS 1 publisher on this test's broker."""
    client = Publisher(mosquitto.port)
    yield client
    client.close()
