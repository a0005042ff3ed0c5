"""The officers' board page at 10,000 homes: server time under load, first paint in Chromium.

Targets: the board page's p95 ≤ 100 ms (server time: wrk on loopback, keep-alive, its own
process) and its first paint ≤ 1 s in Chromium (Debian's, headless). The baselines, measured in
the same run, are the sign-in page (a template with no data) and `/v1/users/me` (the same
authentication and one row), so the table shows what the board adds. The estate: 10,000 homes in
20 portfolios with 6,000 open alerts (about 4,500 homes on the board), an officer of two
portfolios and an administrator who sees them all.
Run: `make bench-pages` or `python -m bench.pages_bench [--seconds S] [--loads N]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.api_bench import (
    ADMIN_PASSWORD,
    OFFICER,
    LoadResult,
    load,
    sign_in,
    start_seeded_api,
    wait_ready,
)

HOMES = 10_000
OPEN_ALERTS = 6_000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PAINT = (
    "() => new Promise(done => { const look = () => {"
    " const entry = performance.getEntriesByName('first-contentful-paint')[0];"
    " if (entry) { done(entry.startTime); } else { setTimeout(look, 20); } }; look(); })"
)


def _cookie_load(
    wrk: str, script: Path, port: int, path: str, token: str, seconds: float, connections: int
) -> LoadResult:
    """`load` with the session cookie a browser sends (pages read the cookie, not a header)."""
    cookie = (f"Cookie: dampwatch_session={token}",)
    return load(wrk, script, port, path, token, seconds, connections, cookie)


def first_paints(base_url: str, token: str, path: str, loads: int) -> list[float]:
    """First contentful paint (ms) of `path`, loaded `loads` times in a fresh tab each time."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    paints = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "dampwatch_session", "value": token, "url": base_url}])
        for _ in range(loads + 1):
            page = context.new_page()
            page.goto(f"{base_url}{path}", wait_until="load")
            paints.append(float(page.evaluate(PAINT)))
            page.close()
        browser.close()
    return paints[1:]  # the first load warms the browser's caches


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def measure(args: argparse.Namespace, wrk: str, directory: Path) -> dict[str, Any]:
    """Seed, start the API, load each page with wrk, then open them in Chromium."""
    api = start_seeded_api(directory, args.workers, HOMES, OPEN_ALERTS)
    port, process, log = api.port, api.process, api.log
    script = directory / "report.lua"
    try:
        wait_ready(port, process)
        admin = sign_in(port, "admin", ADMIN_PASSWORD)
        officer = sign_in(port, OFFICER, ADMIN_PASSWORD)
        server: list[tuple[str, LoadResult]] = []
        for label, path, token in (
            ("baseline /login page", "/login", admin),
            ("baseline /v1/users/me", "/v1/users/me", admin),
            ("board page, admin, page 1", "/board", admin),
            ("board page, admin, page 20", "/board?page=20", admin),
            ("board, search 'Street 12'", "/board?q=12+Bench", admin),
            ("board, overdue by deadline", "/board?state=overdue&sort=due", admin),
            ("board page, officer", "/board", officer),
        ):
            _cookie_load(wrk, script, port, path, token, 3.0, args.connections)  # warm-up
            result = _cookie_load(wrk, script, port, path, token, args.seconds, args.connections)
            server.append((label, result))
        base = f"http://127.0.0.1:{port}"
        paints = {
            "baseline /login page": first_paints(base, admin, "/login", args.loads),
            "board page, admin": first_paints(base, admin, "/board", args.loads),
            "board page, officer": first_paints(base, officer, "/board", args.loads),
        }
        return {"server": server, "paints": paints}
    except RuntimeError:
        print(log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        process.terminate()
        process.wait(15)


def main(argv: list[str] | None = None) -> int:
    """Measure and print the two tables with their baselines and targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--loads", type=int, default=20, help="page loads per first-paint row")
    args = parser.parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None or not Path(CHROMIUM).exists():
        print(
            "pages_bench needs wrk and chromium: apt-get install -y wrk chromium", file=sys.stderr
        )
        return 2
    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="dampwatch-pages-bench-") as directory:
        found = measure(args, wrk, Path(directory))
    print(
        f"Pages benchmark: {HOMES} homes, {OPEN_ALERTS} open alerts, uvicorn workers="
        f"{args.workers}, wrk connections={args.connections}, {args.seconds:.0f} s per page, "
        f"cores={os.cpu_count()}, load average {before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(
        f"{'server time':<30} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    for label, result in found["server"]:
        print(
            f"{label:<30} {result.rate:>8.0f} {result.p50_ms:>8.1f} {result.p95_ms:>8.1f} "
            f"{result.p99_ms:>8.1f} {result.errors:>7}"
        )
    print(f"{'first paint in Chromium':<30} {'loads':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, values in found["paints"].items():
        print(
            f"{label:<30} {len(values):>8} {statistics.median(values):>8.0f} "
            f"{p95(values):>8.0f} {max(values):>8.0f}"
        )
    print("targets: board page p95 <= 100 ms server time; first paint p95 <= 1000 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
