"""Fixtures that start real Mosquitto and InfluxDB processes on free loopback ports."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from dampwatch_stack.mosquitto_build import MOSQUITTO_21_MISSING, find_mosquitto_21
from dampwatch_stack.servers import InfluxQueryError, InfluxServer, MosquittoServer, find_binary
from tests.support import INSTALL_HINT, InfluxDatabase
from tests.support.v2_write_proxy import InfluxV2WriteProxy


def _require(binary: str) -> None:
    # Fail, never skip: CI must not go green without having run against the real servers.
    if find_binary(binary) is None:
        pytest.fail(
            f"{binary!r} is not installed; tests need the real server. "
            f"Install it with: {INSTALL_HINT}",
            pytrace=False,
        )


Server = TypeVar("Server", MosquittoServer, InfluxServer)


def _factory(
    server_class: type[Server], name: str, tmp_path: Path, **defaults: Any
) -> Iterator[Callable[..., Server]]:
    """Start `server_class(**kwargs)` instances in fresh directories; stop them all afterwards."""
    _require(defaults.get("binary", name))
    started: list[Server] = []

    def factory(**kwargs: Any) -> Server:
        data_dir = kwargs.pop("data_dir", None) or tmp_path / f"{name}-{len(started)}"
        server = server_class(data_dir, **(defaults | kwargs))
        started.append(server)
        server.start()
        return server

    yield factory
    for server in reversed(started):
        server.stop()


@pytest.fixture
def mosquitto_factory(tmp_path: Path) -> Iterator[Callable[..., MosquittoServer]]:
    """Start MosquittoServer(**kwargs) instances (data_dir defaults to a fresh tmp dir)."""
    yield from _factory(MosquittoServer, "mosquitto", tmp_path)


@pytest.fixture
def mosquitto_21_factory(tmp_path: Path) -> Iterator[Callable[..., MosquittoServer]]:
    """Like mosquitto_factory, on the Mosquitto 2.1 build with persist-sqlite (skip if unbuilt)."""
    build = find_mosquitto_21()
    if build is None:
        pytest.skip(MOSQUITTO_21_MISSING)
    yield from _factory(
        MosquittoServer,
        "mosquitto",
        tmp_path,
        binary=str(build.binary),
        persist_plugin=build.persist_sqlite,
    )


@pytest.fixture
def mosquitto(request: pytest.FixtureRequest, tmp_path: Path) -> MosquittoServer:
    """Return a running broker with default settings, stopped after the test.

    Debian's by default; tests parametrized with `on_each_broker` also run on 2.1 + persist-sqlite.
    """
    on_21 = getattr(request, "param", None) == "2.1"
    name = "mosquitto_21_factory" if on_21 else "mosquitto_factory"
    factory: Callable[..., MosquittoServer] = request.getfixturevalue(name)
    return factory()


@pytest.fixture
def influx_factory(tmp_path: Path) -> Iterator[Callable[..., InfluxServer]]:
    """Start private InfluxServer(**kwargs) instances for tests that stop or restart InfluxDB."""
    yield from _factory(InfluxServer, "influxd", tmp_path)


@pytest.fixture(scope="session")
def influx_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxServer]:
    """Return one InfluxDB shared by the whole session; tests isolate themselves by database."""
    _require("influxd")
    with InfluxServer(tmp_path_factory.mktemp("influxd")) as server:
        yield server


@pytest.fixture
def influx_db(influx_server: InfluxServer) -> Iterator[InfluxDatabase]:
    """Return a fresh, uniquely named database on the shared server, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    influx_server.create_database(name)
    yield InfluxDatabase(influx_server, name)
    # A test that broke the shared server has already failed: do not mask its error here.
    with contextlib.suppress(InfluxQueryError, OSError):
        influx_server.drop_database(name)


@pytest.fixture
def v2_proxy(influx_server: InfluxServer) -> Iterator[InfluxV2WriteProxy]:
    """Return InfluxDB 1.8's /api/v2/write compatibility mapping in front of the shared server."""
    with InfluxV2WriteProxy(influx_server.url) as proxy:
        yield proxy


def pytest_configure(config: pytest.Config) -> None:
    """Keep the order below under `--dist loadfile`: pytest-xdist (3.6 and later) otherwise
    reorders files by their number of tests, which put the slow files with one or a few tests
    (the demo, the killed assessment worker, the accessibility walk) at the very end."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow tests first: the workers take a file at a time, and a slow file left to
    the end keeps one worker busy for minutes after the other has finished."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)
