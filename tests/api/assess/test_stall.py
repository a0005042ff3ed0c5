"""A worker whose pass hangs (InfluxDB accepts the request and never answers) stops renewing
its leases after `DAMPWATCH_ASSESS_STALL_S`, so another worker takes its partitions."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from dampwatch.influx import InfluxError, InfluxQL, make_writer
from dampwatch_api.assess.settings import AssessSettings
from dampwatch_api.assess.worker import Worker
from dampwatch_api.db.migrate import migrate_engine
from tests.api.assess.conftest import _postgres_engine
from tests.support import InfluxDatabase

LEASE_S = 3.0
STALL_S = 4.0


class SilentServer:
    """A TCP server on loopback that accepts connections, reads and never answers."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def pg() -> Iterator[Engine]:
    for engine in _postgres_engine():
        migrate_engine(engine)
        yield engine


def _worker(engine: Engine, influx_url: str, name: str) -> Worker:
    settings = AssessSettings(
        influx_url=influx_url,
        influx_api="v1",
        influx_database="stall",
        assess_partitions=2,
        assess_lease_s=LEASE_S,
        assess_stall_s=STALL_S,
    )
    return Worker(
        sessionmaker(bind=engine),
        InfluxQL(settings, timeout_s=120),
        make_writer(settings),
        settings,
        partitions=2,
        worker_id=name,
    )


@pytest.mark.servers
def test_a_hung_worker_lets_its_partitions_go(pg: Engine, influx_db: InfluxDatabase) -> None:
    silent = SilentServer()
    hung = _worker(pg, f"http://127.0.0.1:{silent.port}", "hung")
    hung.start()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            list(hung.run_pass(force=True))
        except InfluxError as error:  # once the silent server closes
            failures.append(error)

    passing = threading.Thread(target=run)
    passing.start()
    other = _worker(pg, influx_db.url, "other")
    try:
        deadline = time.monotonic() + 30
        while not silent.connections and time.monotonic() < deadline:
            time.sleep(0.05)  # the hung worker has claimed both and waits on InfluxDB
        assert silent.connections
        other.start()
        assert other.claim() == []  # the hung worker holds both and still renews
        assert not hung.stalled()
        deadline = time.monotonic() + STALL_S + 3 * LEASE_S + 10
        taken: list[int] = []
        while not taken and time.monotonic() < deadline:
            time.sleep(0.5)
            taken = [lease.partition for lease in other.claim()]
        assert hung.stalled()
        assert sorted(taken) == [0, 1]  # after the stall and one lease, not before
    finally:
        silent.close()
        passing.join(30)
        other.close()
        hung.close()
    assert not passing.is_alive()
    assert failures  # its pass ended in an error: nothing of it was committed
