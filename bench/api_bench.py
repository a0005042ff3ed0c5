"""Board endpoint under load: 10,000 homes, 2,000 open alerts, uvicorn in a subprocess on loopback.

Targets: p95 ≤ 50 ms and ≥ 300 requests/s on 2 cores. The load comes from `wrk` (C, its own
process, keep-alive connections), so the figures measure the API, not the client. The baseline,
measured in the same run, is `/v1/users/me` (the same authentication and one row), so the table
shows what the board adds. The last row is the worst case: another process changes an alert
every second, so each worker re-ranks the board about once a second while serving it.
Run: `make bench-api` or `python -m bench.api_bench [--seconds S] [--connections C]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path

from dampwatch_api.alerts.models import Alert
from dampwatch_api.auth.passwords import hash_password
from dampwatch_api.db import migrate
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.registry.models import Home, Role, User
from dampwatch_stack.servers import free_port

HOMES = 10_000
OPEN_ALERTS = 2_000
PORTFOLIOS = 20
ADMIN_PASSWORD = "bench-admin-password"
OFFICER = "bench-officer"
KINDS = ("mould_risk", "condensation_risk", "cold_home", "overheating", "device_offline")
SEVERITIES = ("emergency", "high", "medium", "low")


def seed(url: str, homes: int = HOMES, open_alerts: int = OPEN_ALERTS) -> None:
    """Homes across portfolios and open alerts on random homes."""
    rng = random.Random(7)
    engine = create_db_engine(url)
    now = datetime.now(UTC)
    with make_session_factory(engine)() as session:
        session.add_all(
            Home(
                home_id=f"home-{index:05d}",
                address=f"{index} Bench Street",
                postcode="BS1 1AA",
                portfolio=f"portfolio-{index % PORTFOLIOS}",
                vulnerabilities=["over_65"] if index % 7 == 0 else [],
            )
            for index in range(homes)
        )
        for index in range(open_alerts):
            opened = now - timedelta(hours=rng.randint(1, 400))
            session.add(
                Alert(
                    home_id=f"home-{rng.randrange(homes):05d}",
                    room=f"room-{index}",
                    kind=rng.choice(KINDS),
                    severity=rng.choice(SEVERITIES),
                    status="open",
                    opened_at=opened,
                    condition_since=opened,
                    last_seen_at=now,
                    due_by=opened + timedelta(days=14),
                    evidence={"text": f"bench evidence {index}"},
                )
            )
        session.add(
            User(
                username=OFFICER,
                password_hash=hash_password(ADMIN_PASSWORD),
                role=Role.OFFICER.value,
                portfolios=["portfolio-3", "portfolio-4"],
            )
        )
        session.commit()
    engine.dispose()


class AlertChurn:
    """A thread touching one open alert per second, as an assessment job would from outside."""

    def __init__(self, url: str) -> None:
        self._engine = create_db_engine(url)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.changes = 0

    def _run(self) -> None:
        sessions = make_session_factory(self._engine)
        while not self._stop.wait(1.0):
            with sessions() as session:
                alert = session.get(Alert, 1 + self.changes % OPEN_ALERTS)
                if alert is not None:
                    alert.last_seen_at = datetime.now(UTC)
                    alert.updated_at = alert.last_seen_at
                    session.commit()
                    self.changes += 1

    def __enter__(self) -> AlertChurn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._engine.dispose()


def request_json(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One request on a fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read()


def wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until the server answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("API exited during start-up")
        try:
            request_json(port, "GET", "/openapi.json")
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("API not ready")


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "WRK_RESULT %d %f %f %f %f %d\\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    errors.connect + errors.read + errors.write + errors.status + errors.timeout
  ))
end
"""


@dataclass(frozen=True)
class LoadResult:
    """What one load run measured: throughput, latency percentiles (ms) and failed requests."""

    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


def load(
    wrk: str,
    script: Path,
    port: int,
    path: str,
    token: str,
    seconds: float,
    connections: int,
    extra_headers: tuple[str, ...] = (),
) -> LoadResult:
    """Load `path` with `wrk` (own process, keep-alive); non-2xx answers count as errors."""
    command = [
        wrk,
        f"--threads={min(2, connections)}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={script}",
        "--header",
        f"Authorization: Bearer {token}",
        *(part for header in extra_headers for part in ("--header", header)),
        f"http://127.0.0.1:{port}{path}",
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in finished.stdout.splitlines() if line.startswith("WRK_RESULT")]
    if finished.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed on {path}: {finished.stderr.strip()}{finished.stdout}")
    line = lines[0]
    requests, duration_s, p50, p95, p99, errors = line.split()[1:]
    return LoadResult(
        int(requests) / float(duration_s), float(p50), float(p95), float(p99), int(errors)
    )


def sign_in(port: int, username: str, password: str) -> str:
    """A JWT for `username`."""
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    status, body = request_json(
        port,
        "POST",
        "/v1/auth/token",
        form,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != HTTPStatus.OK:
        raise RuntimeError(f"sign-in of {username} failed: {status} {body[:200]!r}")
    token: str = json.loads(body)["access_token"]
    return token


def server_command(port: int, workers: int) -> list[str]:
    """`dampwatch api` as deployed: several workers, no access log, uvloop/httptools if present."""
    return [
        sys.executable,
        "-m",
        "dampwatch_api.main",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-migrate",
    ]


@dataclass
class BenchApi:
    """`dampwatch api` started on a seeded SQLite database in `directory`."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    url: str


def start_seeded_api(directory: Path, workers: int, homes: int, open_alerts: int) -> BenchApi:
    """Seed a database, start the API on a free port and write wrk's report script."""
    url = f"sqlite:///{directory / 'bench.db'}"
    migrate(url)
    seed(url, homes, open_alerts)
    port = free_port()
    env = os.environ | {
        "DAMPWATCH_DATABASE_URL": url,
        "DAMPWATCH_DATA_DIR": str(directory),
        "DAMPWATCH_ADMIN_PASSWORD": ADMIN_PASSWORD,
        # Nothing listens on these: the board needs neither the broker nor InfluxDB.
        "DAMPWATCH_MQTT_PORT": str(free_port()),
        "DAMPWATCH_INFLUX_URL": f"http://127.0.0.1:{free_port()}",
        "DAMPWATCH_LOG_LEVEL": "WARNING",
    }
    (directory / "report.lua").write_text(WRK_SCRIPT)
    log = directory / "api.log"
    process = subprocess.Popen(
        server_command(port, workers), env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb")
    )
    return BenchApi(port, process, log, url)


def measure(args: argparse.Namespace, wrk: str, directory: Path) -> list[tuple[str, LoadResult]]:
    """Seed a database, start the API and load each endpoint in turn."""
    api = start_seeded_api(directory, args.workers, HOMES, OPEN_ALERTS)
    port, process, server_log, url = api.port, api.process, api.log, api.url
    script = directory / "report.lua"
    try:
        wait_ready(port, process)
        admin = sign_in(port, "admin", ADMIN_PASSWORD)
        officer = sign_in(port, OFFICER, ADMIN_PASSWORD)
        results = []
        for label, path, token in (
            ("baseline /v1/users/me", "/v1/users/me", admin),
            ("board, admin, page 1", "/v1/board?limit=50", admin),
            ("board, admin, page 5", "/v1/board?limit=50&offset=200", admin),
            ("board, one portfolio", "/v1/board?portfolio=portfolio-3&limit=50", admin),
            ("board, officer (2 portfolios)", "/v1/board?limit=50", officer),
        ):
            load(wrk, script, port, path, token, 1.0, args.connections)  # warm-up
            results.append(
                (label, load(wrk, script, port, path, token, args.seconds, args.connections))
            )
        connections = args.connections
        with AlertChurn(url):
            # Worst case: another process changes an alert every second, so each worker
            # re-ranks the board about once a second while serving it.
            results.append(
                (
                    "board, alert changed every 1 s",
                    load(wrk, script, port, "/v1/board?limit=50", admin, args.seconds, connections),
                )
            )
        return results
    except RuntimeError:
        print(server_log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        process.terminate()
        process.wait(15)


def main(argv: list[str] | None = None) -> int:
    """Seed, start uvicorn, load the baseline and the board with wrk, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("api_bench: wrk not found; install it with `apt-get install -y wrk`", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="dampwatch-api-bench-") as directory:
        results = measure(args, wrk, Path(directory))
    print(
        f"API benchmark: {HOMES} homes, {OPEN_ALERTS} open alerts, uvicorn workers={args.workers}, "
        f"wrk connections={args.connections}, {args.seconds:.0f} s per endpoint, "
        f"cores={os.cpu_count()}, load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after"
    )
    print(f"{'endpoint':<31} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label, result in results:
        print(
            f"{label:<31} {result.rate:>8.0f} {result.p50_ms:>8.1f} {result.p95_ms:>8.1f} "
            f"{result.p99_ms:>8.1f} {result.errors:>7}"
        )
    print("target: board p95 <= 50 ms and >= 300 req/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
