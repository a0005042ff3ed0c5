"""`make soak`: the ingest chain under random faults for a bounded time, then a reliability table.

Loopback only. A seeded cohort of simulated homes streams readings at `--speed` times simulated
time, some homes through gateway processes; faults are injected at random moments (broker
restart, ingest worker SIGKILL, InfluxDB stopped for a minute, a gateway's uplink cut for an
hour of simulated time); afterwards every reading sent is classified as stored, lost or
duplicated in storage. The platform broker is Mosquitto 2.1 with persist-sqlite when `make setup`
built it (it keeps the ingest group's shared subscriptions across the restart), else Debian's.
Usage: python -m bench.soak [--minutes 10] [--seed 1] [--broker auto|2.0|2.1] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.soak_checker import Verdict, check, settled
from bench.soak_faults import (
    FaultRecord,
    Monitor,
    cut_uplink,
    kill_broker,
    kill_ingest,
    restart_broker,
    stop_influx,
)
from bench.soak_fleet import Fleet, Ledger
from bench.soak_stack import Stack
from dampwatch_sim.cohort import build_cohort
from dampwatch_stack.mosquitto_build import MOSQUITTO_21_MISSING, MosquittoBuild, find_mosquitto_21

SETTLE_S = 120.0  # the longest wait for storage to catch up after the stream ends
FAULT_KINDS = ("broker", "ingest", "influx", "uplink")
# Only on request: a crash loses what Debian's broker acknowledged since its last autosave.
EXTRA_FAULT_KINDS = ("broker-kill",)


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="stream length (default 10)")
    parser.add_argument("--homes", type=int, default=100, help="simulated homes (default 100)")
    parser.add_argument("--gateways", type=int, default=3, help="homes behind a gateway")
    parser.add_argument("--workers", type=int, default=2, help="ingest workers (default 2)")
    parser.add_argument("--speed", type=float, default=300.0, help="simulated s per real s")
    parser.add_argument("--influx-outage-s", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--malformed-every",
        type=int,
        default=200,
        help="one malformed message after every N reading messages of the homes that publish "
        "straight to the broker (default 200; 0: none)",
    )
    parser.add_argument(
        "--faults",
        default=",".join(FAULT_KINDS),
        help=f"subset of {','.join(FAULT_KINDS + EXTRA_FAULT_KINDS)}",
    )
    parser.add_argument(
        "--broker",
        choices=("auto", "2.0", "2.1"),
        default="auto",
        help="2.1: the persist-sqlite build; 2.0: Debian's mosquitto; auto (default): 2.1 if built",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    faults = [kind for kind in options.faults.split(",") if kind]
    if unknown := set(faults) - set(FAULT_KINDS + EXTRA_FAULT_KINDS):
        known = ", ".join(FAULT_KINDS + EXTRA_FAULT_KINDS)
        parser.error(f"unknown fault {sorted(unknown)[0]!r}; use {known}")
    if options.minutes <= 0 or options.homes < 1 or options.workers < 1 or options.speed <= 0:
        parser.error("--minutes, --homes, --workers and --speed must be positive")
    if options.gateways > options.homes or options.gateways < 0:
        parser.error("--gateways must be between 0 and --homes")
    if "uplink" in faults and options.gateways == 0:
        parser.error("the uplink fault needs at least one gateway")
    options.fault_list = faults
    options.build = None if options.broker == "2.0" else find_mosquitto_21()
    if options.broker == "2.1" and options.build is None:
        parser.error(MOSQUITTO_21_MISSING)
    return options


def broker_label(build: MosquittoBuild | None) -> str:
    """Which platform broker the soak runs."""
    if build is None:
        return "Debian's mosquitto (built-in persistence)"
    return f"mosquitto 2.1 with persist-sqlite ({build.binary})"


def _bind(action: Callable[..., None], *args: Any) -> Callable[[], None]:
    return lambda: action(*args)


def _plan(options: argparse.Namespace, stack: Stack, rng: random.Random) -> list[tuple[str, Any]]:
    """The faults for the run, each kind at least once, in random order."""
    hour_s = 3600 / options.speed
    actions: dict[str, Callable[[], tuple[str, Callable[[], None]]]] = {
        "broker": lambda: ("broker restart", lambda: restart_broker(stack)),
        "broker-kill": lambda: ("broker SIGKILL", lambda: kill_broker(stack)),
        "ingest": lambda: (
            "ingest SIGKILL",
            _bind(kill_ingest, stack, rng.randrange(len(stack.ingest))),
        ),
        "influx": lambda: (
            f"InfluxDB down {options.influx_outage_s:.0f} s",
            lambda: stop_influx(stack, options.influx_outage_s),
        ),
        "uplink": lambda: (
            "gateway uplink cut 1 h sim",
            _bind(cut_uplink, stack, rng.randrange(len(stack.gateways)), hour_s),
        ),
    }
    kinds = list(options.fault_list)
    budget = options.minutes * 60 - 30
    spent = sum(options.influx_outage_s if k == "influx" else 20 for k in kinds)
    while spent < budget * 0.6:  # more faults while the run is long enough for them
        kind = rng.choice(options.fault_list)
        kinds.append(kind)
        spent += (options.influx_outage_s if kind == "influx" else 20) + 20
    rng.shuffle(kinds)
    return [actions[kind]() for kind in kinds]


def run(options: argparse.Namespace) -> dict[str, Any]:
    """Run the soak and return its figures."""
    rng = random.Random(options.seed)
    duration_s = options.minutes * 60
    days = int(duration_s * options.speed // 86400) + 1
    cohort = build_cohort(homes=options.homes, days=days, seed=options.seed)
    _progress(f"broker: {broker_label(options.build)}")
    with tempfile.TemporaryDirectory(prefix="dampwatch-soak-") as scratch:
        stack = Stack(
            Path(scratch),
            cohort,
            gateway_homes=options.gateways,
            workers=options.workers,
            broker_build=options.build,
        )
        ledger = Ledger()
        monitor = Monitor(stack, ledger)
        try:
            stack.start()
            behind_gateways = {node.home_id for node in stack.gateways}
            fleet = Fleet(
                cohort,
                stack.routes(),
                ledger,
                speed=options.speed,
                malformed_every=options.malformed_every,
                malformed_homes=frozenset(
                    home.home_id for home in cohort.homes if home.home_id not in behind_gateways
                ),
            )
            monitor.start()
            fleet.start(duration_s)
            plan = _plan(options, stack, rng)
            # the faults' own durations come out of the stream first, the rest spaces them
            busy = sum(_lasts(options, name) for name, _ in plan)
            gap = max(3.0, (duration_s - 20 - busy) / (len(plan) + 1))
            for name, action in plan:
                time.sleep(max(0.0, rng.uniform(0.5, 1.0) * gap))
                if monitor.elapsed() > duration_s - 10:
                    break
                _progress(f"{monitor.elapsed():6.0f} s  fault: {name}")
                monitor.inject(name, action)
            fleet.join(duration_s + 60)
            fleet.wait_acknowledged(60)
            monitor.wait_drained(SETTLE_S)
            _settle(stack, ledger)
            fleet.close()
        finally:
            monitor.stop()
            verdict = (
                check(stack.influx, stack.database, ledger, [h.home_id for h in cohort.homes])
                if stack.influx is not None and stack.influx.running
                else None
            )
            stack.stop()
    return _figures(options, len(cohort.devices), ledger, monitor, verdict)


def _lasts(options: argparse.Namespace, name: str) -> float:
    """About how long a planned fault keeps the stack disturbed, in seconds."""
    if name.startswith("InfluxDB"):
        return float(options.influx_outage_s)
    return 3600 / options.speed if name.startswith("gateway") else 3.0


def _settle(stack: Stack, ledger: Ledger) -> None:
    assert stack.influx is not None
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        if settled(stack.influx, stack.database, ledger):
            return
        time.sleep(1)


def _figures(
    options: argparse.Namespace,
    devices: int,
    ledger: Ledger,
    monitor: Monitor,
    verdict: Verdict | None,
) -> dict[str, Any]:
    def fault(record: FaultRecord) -> dict[str, Any]:
        return {
            "fault": record.name,
            "at_s": round(record.started_s, 1),
            "lasted_s": round(record.ended_s - record.started_s, 1),
            "drained_s": None if record.drained_s is None else round(record.drained_s, 1),
        }

    return {
        "minutes": options.minutes,
        "homes": options.homes,
        "devices": devices,
        "speed": options.speed,
        "broker": broker_label(options.build),
        "readings_sent": ledger.readings_sent,
        "distinct_sent": ledger.distinct(),
        "resent_by_devices": ledger.resent,
        "stored": verdict.stored if verdict else None,
        "lost": len(verdict.lost) if verdict else None,
        "duplicated": len(verdict.duplicated) if verdict else None,
        "unexpected": len(verdict.unexpected) if verdict else None,
        "rejected_expected": dict(ledger.rejected),
        "rejected_recorded": dict(verdict.rejected_stored) if verdict else None,
        "rejected_unrecorded": sum(verdict.unrecorded.values()) if verdict else None,
        "peak_rss_mb": {name: round(mb, 1) for name, mb in sorted(monitor.peak_rss.items())},
        "backlog_max": monitor.backlog_max,
        "faults": [fault(record) for record in monitor.faults],
        "lost_examples": [list(key) for key in sorted(verdict.lost)[:5]] if verdict else [],
    }


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def table(figures: dict[str, Any]) -> str:
    """The figures as a plain-text table."""
    rows = [
        ("readings sent (incl. resends and malformed)", figures["readings_sent"]),
        ("distinct readings sent", figures["distinct_sent"]),
        ("stored", figures["stored"]),
        ("lost", figures["lost"]),
        ("duplicated in storage", figures["duplicated"]),
        ("stored but never sent", figures["unexpected"]),
        ("rejected (expected by reason)", figures["rejected_expected"] or "none"),
        ("rejected (recorded by reason)", figures["rejected_recorded"] or "none"),
        ("rejected but not recorded", figures["rejected_unrecorded"]),
        ("ingest backlog maximum (messages)", figures["backlog_max"]),
    ]
    rows += [(f"peak RSS {name}", f"{mb} MB") for name, mb in figures["peak_rss_mb"].items()]
    rows += [
        (
            f"fault at {item['at_s']:.0f} s: {item['fault']} ({item['lasted_s']} s)",
            "not drained" if item["drained_s"] is None else f"drained {item['drained_s']} s after",
        )
        for item in figures["faults"]
    ]
    width = max(len(label) for label, _ in rows)
    head = (
        f"dampwatch soak: {figures['minutes']} min, {figures['homes']} homes, "
        f"{figures['devices']} devices, "
        f"{figures['speed']:.0f}x simulated time"
    )
    lines = [head, "-" * len(head), f"broker: {figures['broker']}"]
    lines += [f"{label:<{width}}  {value}" for label, value in rows]
    if figures["lost_examples"]:
        lines.append(f"first lost (home, device, ts ms): {figures['lost_examples']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print the table (or JSON)."""
    options = _arguments(sys.argv[1:] if argv is None else argv)
    figures = run(options)
    print(json.dumps(figures, indent=2) if options.json else table(figures))
    clean = figures["lost"] == 0 and figures["duplicated"] == 0
    return 0 if clean and figures["rejected_unrecorded"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
