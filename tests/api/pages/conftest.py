"""An API on SQLite whose InfluxDB is a fresh database on the shared test server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dampwatch_api.db import migrate
from tests.api.conftest import Api, api_settings, seed, start_api
from tests.support import InfluxDatabase


@pytest.fixture
def stack(tmp_path: Path, influx_db: InfluxDatabase) -> Iterator[Api]:
    """A seeded API reading and writing `influx_db`."""
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    settings = api_settings(
        url, tmp_path, influx_url=influx_db.url, influx_database=influx_db.database
    )
    yield from start_api(settings)
