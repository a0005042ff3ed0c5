"""Board endpoint under load: 10,000 homes, 2,000 open alerts, uvicorn in a subprocess on loopback.

Targets: p95 ≤ 50 ms and ≥ 300 requests/s on 2 cores. The baseline, measured in the same run, is
`/v1/users/me` (the same authentication and one row), so the table shows what the board adds.
Run: `make bench-api` or `python -m bench.api_bench [--seconds S] [--concurrency C]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dampwatch.servers import free_port
from dampwatch_api.alerts.models import Alert
from dampwatch_api.db import migrate
from dampwatch_api.db.session import create_db_engine, make_session_factory
from dampwatch_api.registry.models import Home

HOMES = 10_000
OPEN_ALERTS = 2_000
PORTFOLIOS = 20
ADMIN_PASSWORD = "bench-admin-password"
KINDS = ("mould_risk", "condensation_risk", "cold_home", "overheating", "device_offline")
SEVERITIES = ("emergency", "high", "medium", "low")


def seed(url: str) -> None:
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
            for index in range(HOMES)
        )
        for index in range(OPEN_ALERTS):
            opened = now - timedelta(hours=rng.randint(1, 400))
            session.add(
                Alert(
                    home_id=f"home-{rng.randrange(HOMES):05d}",
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
        session.commit()
    engine.dispose()


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
            error = process.stderr.read().decode()[-2000:] if process.stderr else ""
            raise RuntimeError(f"API exited during start-up:\n{error}")
        try:
            request_json(port, "GET", "/openapi.json")
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("API not ready")


def load(
    port: int, path: str, token: str, seconds: float, concurrency: int
) -> tuple[list[float], int]:
    """Latencies (s) of requests made by `concurrency` keep-alive clients for `seconds`."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            failed += response.status != 200
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def main(argv: list[str] | None = None) -> int:
    """Seed, start uvicorn, load the baseline and the board, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dampwatch-api-bench-") as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        migrate(url)
        seed(url)
        port = free_port()
        env = os.environ | {
            "DAMPWATCH_DATABASE_URL": url,
            "DAMPWATCH_DATA_DIR": directory,
            "DAMPWATCH_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "DAMPWATCH_MQTT_PORT": str(
                free_port()
            ),  # nothing listens: the API runs without a broker
            "DAMPWATCH_INFLUX_URL": f"http://127.0.0.1:{free_port()}",
            "DAMPWATCH_LOG_LEVEL": "WARNING",
        }
        command = [
            sys.executable,
            "-m",
            "dampwatch_api.main",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--no-migrate",
        ]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            wait_ready(port, process)
            form = urllib.parse.urlencode(
                {"username": "admin", "password": ADMIN_PASSWORD}
            ).encode()
            status, body = request_json(
                port,
                "POST",
                "/v1/auth/token",
                form,
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert status == 200, body
            token = json.loads(body)["access_token"]
            _, board = request_json(
                port, "GET", "/v1/board?limit=50", headers={"Authorization": f"Bearer {token}"}
            )
            rows = json.loads(board)
            results = []
            for label, path in (
                ("baseline /v1/users/me", "/v1/users/me"),
                ("board (50 of ranked homes)", "/v1/board?limit=50"),
                ("board, one portfolio", "/v1/board?portfolio=portfolio-3&limit=50"),
            ):
                load(port, path, token, 1.0, args.concurrency)  # warm-up
                latencies, errors = load(port, path, token, args.seconds, args.concurrency)
                ordered = sorted(latencies)
                results.append(
                    (
                        label,
                        len(ordered) / args.seconds,
                        statistics.median(ordered) * 1000,
                        ordered[int(len(ordered) * 0.95)] * 1000,
                        ordered[int(len(ordered) * 0.99)] * 1000,
                        errors,
                    )
                )
        finally:
            process.terminate()
            process.wait(15)
    print(
        print(
            f"API benchmark: {HOMES} homes, {OPEN_ALERTS} open alerts, {len(rows)} rows on page 1, "
            f"uvicorn workers={args.workers}, concurrency={args.concurrency}, "
            f"{args.seconds:.0f} s per endpoint, cores={os.cpu_count()}, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
    )
    print(f"{'endpoint':<30} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label, rate, p50, p95, p99, errors in results:
        print(f"{label:<30} {rate:>8.0f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {errors:>7}")
    print("target: board p95 <= 50 ms and >= 300 req/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
