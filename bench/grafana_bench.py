"""How long each board's queries take on a sizeable estate, against a plain query baseline.

Loads a private InfluxDB with HOMES homes (3 rooms each, 7 days of hourly `risk`, `home_risk`
and `device_health`, alerts for a tenth of them) and one home's 7 days of 1-minute readings, then
times every panel query of every board as Grafana would send it (7-day range, the boards'
variables), next to the baseline: one `last()` per home over `home_risk`, the least any ranking
of homes can cost.

Usage: python -m bench.grafana_bench [--homes N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from tests.grafana.grafana_emulation import ALL, Rendering, TimeRange, Variable, render

from dampwatch_grafana.generate import dashboards
from dampwatch_stack.servers import InfluxServer

HOUR_S = 3600
DATABASE = "bench"
ROOMS = ("bathroom", "bedroom-1", "kitchen")


def _write(server: InfluxServer, lines: list[str]) -> None:
    import urllib.request  # noqa: PLC0415

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for start in range(0, len(lines), 5000):
        body = "\n".join(lines[start : start + 5000]).encode()
        request = urllib.request.Request(
            f"{server.url}/write?db={DATABASE}&precision=s", data=body, method="POST"
        )
        opener.open(request, timeout=60).close()


def _load(server: InfluxServer, homes: int, now_s: int) -> None:
    hour = now_s // HOUR_S * HOUR_S
    lines: list[str] = []
    for index in range(homes):
        home = f"home-{index:05d}"
        for back in range(7 * 24):
            at = hour - back * HOUR_S
            score = (index * 7 + back) % 100
            lines.append(
                f"home_risk,home={home} score={score}.0,open_alerts={index % 10 == 0:d}.0,"
                f'overdue_alerts=0.0,kinds="" {at}'
            )
            lines.append(
                f"device_health,device=d{index},home={home} last_seen_age_h=0.5,offline=0.0,"
                f"battery_pct=80.0,seq_gaps_7d=0.0,stuck=0.0 {at}"
            )
            lines.extend(
                f"risk,home={home},room={room} mould_index=0.5,score={score}.0,"
                f"hours_rh70_7d=3.0 {at}"
                for room in ROOMS
            )
        if index % 10 == 0:
            lines.append(
                f"alert,home={home},kind=mould_risk,room=bathroom,severity=high alert_id={index}i,"
                f'status="open",text="damp" {hour - 3 * HOUR_S}'
            )
    for minute in range(7 * 24 * 60):
        at = now_s - minute * 60
        lines.extend(
            f"reading,device={room}-1,home=home-00000,room={room} temperature_c=19.5,"
            f"humidity_pct=60.0,dew_point_c=11.6,battery_pct=90.0,rssi_dbm=-70.0 {at}"
            for room in ROOMS
        )
    _write(server, lines)


def _median_ms(server: InfluxServer, query: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        server.query(query, db=DATABASE)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    """Load the estate, time every panel query, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.grafana_bench", description=__doc__)
    parser.add_argument("--homes", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    now_s = int(time.time())
    rendering = Rendering(
        TimeRange.last("7d", now_s * 1000),
        variables={
            "home": Variable("home", "home-00000"),
            "room": Variable("room", ALL, options=list(ROOMS), multi=True),
            "min_score": Variable("min_score", "50"),
            "worker": Variable("worker", ALL, options=["w1"], multi=True),
        },
    )
    with tempfile.TemporaryDirectory() as scratch, InfluxServer(Path(scratch)) as server:
        server.create_database(DATABASE)
        started = time.perf_counter()
        _load(server, arguments.homes, now_s)
        print(f"loaded {arguments.homes} homes in {time.perf_counter() - started:.1f} s")
        baseline = _median_ms(
            server,
            render(
                'SELECT last("score") FROM "home_risk" WHERE $timeFilter GROUP BY "home"', rendering
            ),
            arguments.repeat,
        )
        print(f"{'board / panel':<58} {'median ms':>10} {'x baseline':>10}")
        print(f"{'baseline: last(score) per home':<58} {baseline:>10.1f} {1.0:>10.1f}")
        for name, board in dashboards().items():
            total = 0.0
            panels = cast(list[dict[str, Any]], board["panels"])
            for panel in panels:
                for target in panel.get("targets", []):
                    if "query" not in target:
                        continue  # SQL: bench.grafana_sql_bench times it on PostgreSQL
                    query = render(
                        target["query"],
                        rendering,
                        min_interval=panel.get("interval"),
                        max_data_points=panel.get("maxDataPoints"),
                    )
                    elapsed = _median_ms(server, query, arguments.repeat)
                    total += elapsed
                    label = f"{name[:-5]} / {panel['title']}"[:58]
                    print(f"{label:<58} {elapsed:>10.1f} {elapsed / baseline:>10.1f}")
            print(f"{name[:-5] + ' (whole board)':<58} {total:>10.1f} {total / baseline:>10.1f}")


if __name__ == "__main__":
    main()
