"""`make eval`: precision, recall and time to flag of the assessment rules on a labelled cohort.

Input: a cohort with ground truth, either generated here (bench.cohort_gen) or the simulator's
(`dampwatch sim cohort --truth FILE`) as a readings CSV (`home,device,room,ts,temperature_c,
humidity_pct`, ts in RFC 3339 or Unix seconds) plus its truth JSON:
    {"start": ISO, "days": N, "homes": [{"home_id": ..., "archetype": ...,
      "conditions": [{"kind": "damp"|"cold"|"overheating"|"device_offline" or an alert kind
                      (mould_risk, condensation_risk, cold_home, ...), "rooms": [...],
                      "device": ..., "from" or "onset": ISO}]}]}
The rules are the pure ones the job applies (dampwatch.assessment), run hour by hour with the
alert service's hold-off semantics (dampwatch.assessment.timeline).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import statistics
import sys
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.cohort_gen import SAMPLES_PER_HOUR, Cohort, generate
from dampwatch.assessment.config import DEFAULT_CONFIG, HOURS_30D, AssessmentConfig
from dampwatch.assessment.devices import DeviceFrame, DeviceStart, device_health
from dampwatch.assessment.frame import hour_index
from dampwatch.assessment.indicators import MouldGrid, assess_rooms
from dampwatch.assessment.kinds import AlertKind
from dampwatch.assessment.rules import room_verdicts
from dampwatch.assessment.timeline import episodes
from dampwatch_api.assess.alerting import hold_off
from dampwatch_api.assess.reader import HourlyReadings
from dampwatch_api.assess.registry import RegistryFacts
from dampwatch_api.assess.rooms import build_rooms

GROUPS: dict[str, frozenset[AlertKind]] = {
    "damp": frozenset({AlertKind.MOULD_RISK, AlertKind.CONDENSATION_RISK}),
    "cold": frozenset({AlertKind.COLD_HOME}),
    "overheating": frozenset({AlertKind.OVERHEATING}),
    "device_offline": frozenset({AlertKind.DEVICE_OFFLINE}),
}
TARGETS = {"damp": 0.95, "cold": 0.95, "device_offline": 0.95}
MAX_MEDIAN_HOURS_TO_FLAG = 72.0
HAZARDS = GROUPS["damp"] | GROUPS["cold"] | GROUPS["overheating"]


class InputError(Exception):
    """The cohort files cannot be read."""


@dataclass
class Flags:
    """Per home: kinds flagged and the first hour each group was flagged."""

    kinds: dict[str, set[AlertKind]] = field(default_factory=lambda: defaultdict(set))
    first: dict[tuple[str, str], int] = field(default_factory=dict)


def hourly_frame(cohort: Cohort) -> DeviceFrame:
    """Hourly device aggregates from 10-minute samples (mean, count, spread)."""
    hours = cohort.samples // SAMPLES_PER_HOUR
    start = hour_index(cohort.start)
    frame = DeviceFrame.empty(cohort.homes, cohort.devices, cohort.rooms, start, hours)
    for row in range(len(cohort.devices)):
        t = cohort.temperature[row][: hours * SAMPLES_PER_HOUR].reshape(hours, SAMPLES_PER_HOUR)
        h = cohort.humidity[row][: hours * SAMPLES_PER_HOUR].reshape(hours, SAMPLES_PER_HOUR)
        count = np.isfinite(t).sum(axis=1)
        frame.count[row] = count
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN hours of a silent device
            frame.temperature_c[row] = np.nanmean(t, axis=1)
            frame.humidity_pct[row] = np.nanmean(h, axis=1)
            frame.temperature_spread[row] = np.nanmax(t, axis=1) - np.nanmin(t, axis=1)
            frame.humidity_spread[row] = np.nanmax(h, axis=1) - np.nanmin(h, axis=1)
    return frame


def evaluate_flags(frame: DeviceFrame, config: AssessmentConfig) -> Flags:
    """Run the rules over the whole period and collect what they would raise."""
    nan = np.full(frame.count.shape, np.nan)
    readings = HourlyReadings(frame, nan, nan.copy())
    rooms = build_rooms(readings, [], RegistryFacts())
    history = np.zeros((len(rooms.rooms), HOURS_30D), np.uint16)
    ind = assess_rooms(rooms, history, MouldGrid.zeros(len(rooms.rooms)), config)
    verdicts = room_verdicts(rooms, ind, np.zeros(len(rooms.rooms), bool), config)
    flags = Flags()

    def note(home: str, kind: AlertKind, col: int) -> None:
        flags.kinds[home].add(kind)
        for group, kinds in GROUPS.items():
            if kind in kinds:
                key = (home, group)
                flags.first[key] = min(flags.first.get(key, col), col)

    for kind, grid in verdicts.items():
        hours = int(hold_off(kind, config).total_seconds() // 3600)
        for episode in episodes(grid.verdict, hours):
            note(rooms.homes[episode.row], kind, episode.raised)
    start = DeviceStart.unknown(len(frame.devices), config.battery_offline_after_h)
    health = device_health(frame, start, np.zeros(len(frame.devices)), config)
    for kind, grid in health.verdicts.items():
        hours = int(hold_off(kind, config).total_seconds() // 3600)
        for episode in episodes(grid.verdict, hours):
            note(frame.homes[episode.row], kind, episode.raised)
    return flags


def condition_group(condition: dict[str, Any]) -> str | None:
    """The group of a truth condition: a group name, or an alert kind (the simulator's truth)."""
    kind = str(condition.get("kind", ""))
    if kind in GROUPS:
        return kind
    return next((group for group, kinds in GROUPS.items() if kind in kinds), None)


def condition_onset(condition: dict[str, Any]) -> datetime:
    """When a condition began (`from`, or the simulator's `onset`)."""
    return datetime.fromisoformat(str(condition.get("from") or condition["onset"]))


def score(flags: Flags, truth: dict[str, Any], start_hour: int) -> dict[str, Any]:
    """Precision and recall per group, time to flag damp, alerts in healthy homes."""
    results: dict[str, Any] = {"groups": {}}
    homes = truth["homes"]
    for group, kinds in GROUPS.items():
        actual = {
            h["home_id"] for h in homes if any(condition_group(c) == group for c in h["conditions"])
        }
        predicted = {home for home, found in flags.kinds.items() if found & kinds}
        true_positive = len(actual & predicted)
        results["groups"][group] = {
            "actual": len(actual),
            "flagged": len(predicted),
            "precision": true_positive / len(predicted) if predicted else None,
            "recall": true_positive / len(actual) if actual else None,
        }
    delays = []
    for home in homes:
        for condition in home["conditions"]:
            if condition_group(condition) == "damp" and (home["home_id"], "damp") in flags.first:
                onset = hour_index(condition_onset(condition)) - start_hour
                delays.append(flags.first[home["home_id"], "damp"] + 1 - onset)
    results["median_hours_to_flag_damp"] = statistics.median(delays) if delays else None
    healthy = [h["home_id"] for h in homes if not h["conditions"]]
    results["healthy_homes"] = len(healthy)
    results["healthy_homes_with_hazard_alerts"] = sum(
        bool(flags.kinds.get(home, set()) & HAZARDS) for home in healthy
    )
    return results


def passed(results: dict[str, Any]) -> bool:
    """True when every target holds."""
    for group, target in TARGETS.items():
        values = results["groups"][group]
        if values["precision"] is None or values["recall"] is None:
            return False
        if values["precision"] < target or values["recall"] < target:
            return False
    median = results["median_hours_to_flag_damp"]
    return (
        median is not None
        and median <= MAX_MEDIAN_HOURS_TO_FLAG
        and results["healthy_homes_with_hazard_alerts"] == 0
    )


def read_cohort(readings: Path, truth_path: Path) -> tuple[Cohort, dict[str, Any]]:
    """A cohort from a readings CSV (optionally gzip) and a truth JSON."""
    try:
        truth = json.loads(truth_path.read_text())
        start = datetime.fromisoformat(truth["start"]).astimezone(UTC)
        samples = int(truth["days"]) * 24 * SAMPLES_PER_HOUR
        opener = gzip.open if readings.suffix == ".gz" else open
        series: dict[tuple[str, str, str], tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = {}
        with opener(readings, "rt", newline="") as handle:
            for row in csv.DictReader(handle):
                key = (row["home"], row["device"], row.get("room", ""))
                t, h = series.setdefault(key, (np.full(samples, np.nan), np.full(samples, np.nan)))
                ts = row["ts"]
                moment = (
                    datetime.fromtimestamp(float(ts), UTC)
                    if ts.replace(".", "").isdigit()
                    else datetime.fromisoformat(ts)
                )
                slot = int((moment - start).total_seconds() // (3600 / SAMPLES_PER_HOUR))
                if 0 <= slot < samples:
                    t[slot] = float(row["temperature_c"] or "nan")
                    h[slot] = float(row["humidity_pct"] or "nan")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"cannot read the cohort: {error}") from error
    cohort = Cohort(start, samples, truth=truth)
    for (home, device, room), (t, h) in series.items():
        cohort.homes.append(home)
        cohort.devices.append(device)
        cohort.rooms.append(room)
        cohort.temperature.append(t)
        cohort.humidity.append(h)
    return cohort, truth


def report(results: dict[str, Any]) -> str:
    """The results as a table."""
    lines = [f"{'kind':<16}{'actual':>8}{'flagged':>9}{'precision':>11}{'recall':>9}{'target':>8}"]
    for group, values in results["groups"].items():

        def fmt(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.3f}"

        target = f"{TARGETS[group]:.2f}" if group in TARGETS else "-"
        lines.append(
            f"{group:<16}{values['actual']:>8}{values['flagged']:>9}"
            f"{fmt(values['precision']):>11}{fmt(values['recall']):>9}{target:>8}"
        )
    median = results["median_hours_to_flag_damp"]
    lines.append(
        f"median hours to flag a damp home: {median} (target ≤ {MAX_MEDIAN_HOURS_TO_FLAG:.0f})"
    )
    lines.append(
        f"healthy homes with a hazard alert (showers, cooking): "
        f"{results['healthy_homes_with_hazard_alerts']} of {results['healthy_homes']} (target 0)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Generate or read a cohort, evaluate, print the table; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="assess_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--homes", type=int, default=240)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--readings", type=Path, help="the simulator's readings CSV")
    parser.add_argument("--truth", type=Path, help="the simulator's truth JSON")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if (args.readings is None) != (args.truth is None):
        parser.error("--readings and --truth go together")
    if args.homes < 1 or args.days < 28:
        parser.error("need at least 1 home and 28 days")
    try:
        if args.readings:
            cohort, truth = read_cohort(args.readings, args.truth)
        else:
            cohort = generate(args.homes, args.days, args.seed)
            truth = cohort.truth
    except InputError as error:
        print(f"assess_eval: {error}", file=sys.stderr)
        return 2
    frame = hourly_frame(cohort)
    results = score(evaluate_flags(frame, DEFAULT_CONFIG), truth, frame.start_hour)
    print(json.dumps(results, indent=2) if args.json else report(results))
    return 0 if passed(results) else 1


if __name__ == "__main__":
    sys.exit(main())
