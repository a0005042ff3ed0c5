"""A live API server on a loopback port and headless Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from dampwatch_api.app import create_app
from dampwatch_api.db import migrate
from tests.api.conftest import api_settings, seed, start_api
from tests.api.pages.support import seed_alert, seed_influx, seed_rooms
from tests.api.predict.conftest import seed_register
from tests.browser.estate import seed_estate, seed_tenant_home
from tests.support import InfluxDatabase

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
SHORT_SESSION_S = 12


@dataclass
class Live:
    """The running site and what was seeded."""

    base_url: str
    alert_id: int
    estate: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


CONTACT = {
    "contact_name": "Harbour Homes repairs",
    "contact_phone": "0117 496 0000",
    "contact_email": "repairs@harbour.example",
    "contact_hours": "Monday to Friday, 8am to 6pm",
}


def _serve(
    tmp_path: Path, influx_db: InfluxDatabase, *, predicted: bool = False, **overrides: Any
) -> Iterator[Live]:
    """Seeded homes, readings, an estate of cases and the tenant's home behind uvicorn (and a
    register of homes without sensors with a prediction run, when `predicted`)."""
    url = f"sqlite:///{tmp_path / 'api.db'}"
    migrate(url)
    seed(url)
    if predicted:
        seed_register(url)
    settings = api_settings(
        url,
        tmp_path,
        influx_url=influx_db.url,
        influx_database=influx_db.database,
        **(CONTACT | overrides),
    )
    # The seeding helpers work through an app's context; the served app is a second one.
    seeding = start_api(settings)
    api = next(seeding)
    seed_rooms(api, "victim-north-1")
    seed_influx(influx_db, "victim-north-1")
    seed_influx(influx_db, "south-1")
    alert_id = seed_alert(api, "victim-north-1")
    seed_tenant_home(api)
    estate = seed_estate(api)
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, connect_broker=False), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the API did not start"
    yield Live(f"http://127.0.0.1:{port}", alert_id, estate)
    server.should_exit = True
    thread.join(10)
    seeding.close()


@pytest.fixture
def live(tmp_path: Path, influx_db: InfluxDatabase) -> Iterator[Live]:
    """The site with the usual 15-minute sessions."""
    yield from _serve(tmp_path, influx_db)


@pytest.fixture
def live_predicted(tmp_path: Path, influx_db: InfluxDatabase) -> Iterator[Live]:
    """The site with 400 homes of known stock facts and their predicted risk."""
    yield from _serve(tmp_path, influx_db, predicted=True)


@pytest.fixture
def live_short(tmp_path: Path, influx_db: InfluxDatabase) -> Iterator[Live]:
    """The site with 12-second sessions, to see them renew and end within a test."""
    yield from _serve(tmp_path, influx_db, token_lifetime_s=SHORT_SESSION_S)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium from the system package (skipped when it is not installed)."""
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (Debian package `chromium`, see `make setup`)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
