"""`make eval`: the assessment's precision and recall on many draws of the cohort, worst first.

One draw can flatter the rules: each seed draws other homes, weather, onsets and sensor errors.
Every seed runs bench.assess_eval (simulate, aggregate as the job's InfluxQL does, apply the
rules hour by hour with the alert service's hold-off, score by home against the truth); the
table shows each seed's precision and recall per kind, then the worst seed's, with the counts
that must stay at zero: hazard alerts in homes without any condition, alerts in bathrooms and
kitchens of such homes (showers, cooking), offline alerts in the first cycle's back-fill on
devices that kept reporting; and homes given a sensor-fault alert without a fault.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from typing import Any

from bench.assess_eval import DEFAULT_START, TARGETS, run
from dampwatch_sim.cohort import CohortError

KINDS = ("damp/mould", "cold", "device_offline", "sensor_fault")
DEVICE_KINDS = ("device_offline", "sensor_fault", "battery_low")


def _run(args: tuple[int, int, int, str]) -> dict[str, Any]:
    homes, days, seed, start = args
    return run(homes, days, seed, datetime.fromisoformat(start).replace(tzinfo=UTC))


def false_homes(results: dict[str, Any], kind: str) -> int:
    """Homes given an alert of `kind` that their truth has no condition of."""
    values = results["groups"][kind]
    return int(values["flagged"] - round((values["precision"] or 0.0) * values["flagged"]))


def summary(all_results: list[dict[str, Any]]) -> tuple[str, bool]:
    """Per-seed rows, the worst seed's figures per kind, and whether every target holds."""

    def fmt(value: float | None) -> str:
        return " n/a" if value is None else f"{value:.2f}"

    header = "seed " + "".join(f"{kind + ' P/R':>22}" for kind in KINDS)
    header += f"{'healthy':>9}{'wet':>5}{'offline-1st':>12}{'fault-false':>12}"
    lines = [header]
    worst: dict[str, list[float]] = {kind: [1.0, 1.0] for kind in KINDS}
    ok = True
    zeros = {"healthy": 0, "wet": 0, "first": 0, "fault": 0}
    drift = [0, 0]
    damp_faulty = [0, 0]
    for results in all_results:
        groups = results["groups"]
        row = f"{results['cohort']['seed']:>4} "
        for kind in KINDS:
            precision, recall = groups[kind]["precision"], groups[kind]["recall"]
            row += f"{fmt(precision) + ' / ' + fmt(recall):>22}"
            for slot, value in enumerate((precision, recall)):
                if value is not None:
                    worst[kind][slot] = min(worst[kind][slot], value)
        healthy = results["healthy_homes_with_hazard_alerts"]
        wet = results["healthy_homes_with_wet_room_alerts"]
        first = results["first_cycle_false_offline"]
        fault = false_homes(results, "sensor_fault")
        zeros["healthy"] += healthy
        zeros["wet"] += wet
        zeros["first"] += first
        zeros["fault"] += fault
        for total, (found, of) in (
            (drift, results["drift_found"]),
            (damp_faulty, results["damp_taken_for_faulty"]),
        ):
            total[0] += found
            total[1] += of
        lines.append(row + f"{healthy:>9}{wet:>5}{first:>12}{fault:>12}")
    lines.append(
        "worst" + "".join(f"{fmt(worst[k][0]) + ' / ' + fmt(worst[k][1]):>22}" for k in KINDS)
    )
    for kind, target in TARGETS.items():
        if kind in worst and min(worst[kind]) < target:
            ok = False
    lines.append(
        f"summed over seeds: hazard alerts in homes without any condition {zeros['healthy']}, in "
        f"their bathrooms or kitchens {zeros['wet']} (target 0); offline alerts in the first "
        f"cycle's 30-day back-fill on devices that kept reporting {zeros['first']} (target 0); "
        f"homes with a sensor-fault alert and no fault {zeros['fault']}"
    )
    lines.append(
        f"drifting humidity sensors found: {drift[0]} of {drift[1]} homes; damp homes without a "
        f"faulty sensor given a sensor-fault alert: {damp_faulty[0]} of {damp_faulty[1]}"
    )
    lines.append(
        "targets: damp/mould, cold, device_offline precision and recall ≥ 0.95 on the worst seed"
    )
    ok = ok and zeros["wet"] == 0 and zeros["first"] == 0 and zeros["healthy"] == 0
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    """Run the seeds (two at a time by default), print the table; exit 1 when a target fails."""
    parser = argparse.ArgumentParser(prog="assess_eval_seeds", description=__doc__.splitlines()[0])
    parser.add_argument("--homes", type=int, default=160)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=10, help="how many seeds, from --first-seed")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--start", default=DEFAULT_START)
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.homes < 1 or args.days < 28:
        parser.error("need at least 1 seed, 1 home and 28 days")
    jobs = [
        (args.homes, args.days, seed, args.start)
        for seed in range(args.first_seed, args.first_seed + args.seeds)
    ]
    try:
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            results = list(pool.map(_run, jobs))
    except (ValueError, CohortError) as error:
        print(f"assess_eval_seeds: {error}", file=sys.stderr)
        return 2
    print(f"{args.seeds} seeds × {args.homes} homes × {args.days} days from {args.start}")
    table, ok = summary(results)
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
