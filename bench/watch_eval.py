"""Early warning on the eval cohort: watches projected every few hours from the data known then.

At every step (each `step_h` hours from the first full week) the rooms' last week is projected
with dampwatch.assessment.outlook from the flags and mould state known at that hour, nothing
later; a watch opens when enough scenarios cross a raise threshold and no alert of that kind is
open, clears after `clear_h` hours without a crossing, and is linked to the alert that follows
in the same room and of the same kind. Lead time: alert raised − watch opened.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dampwatch.assessment.config import HOURS_7D, HOURS_30D, AssessmentConfig
from dampwatch.assessment.frame import RoomFrame
from dampwatch.assessment.indicators import MouldGrid, RoomIndicators
from dampwatch.assessment.kinds import AlertKind
from dampwatch.assessment.outlook import WATCH_KINDS, observed, project
from dampwatch.assessment.rules import KindVerdicts
from dampwatch.assessment.timeline import episodes
from dampwatch_api.assess.alerting import hold_off

# A watch is of one kind and precedes that kind's alert: a room already under a condensation
# alert can still be watched for mould (the growth index passing 1 days later).
WATCH_GROUPS = {kind: kind.value for kind in WATCH_KINDS}
GOAL_MEDIAN_LEAD_H = 48.0
GOAL_PRECEDED = 0.8
GOAL_HEALTHY_WATCHED = 0.05


@dataclass(frozen=True)
class WatchSettings:
    """How often rooms are projected, how many scenarios must cross, when a watch clears."""

    step_h: int = 6
    min_share: float = 0.75  # three of the four scenarios
    clear_h: int = 24


@dataclass
class Watch:
    """One watch of a room and hazard group: opened and ended (linked or cleared) at hours."""

    row: int
    group: str
    opened: int
    ended: int | None = None
    alert_at: int | None = None


@dataclass
class WatchRun:
    """Every watch of the run and every alert it could have preceded."""

    watches: list[Watch] = field(default_factory=list)
    alerts: list[tuple[int, str, int]] = field(default_factory=list)  # row, group, raised at


def _alert_starts(
    verdicts: dict[AlertKind, KindVerdicts], config: AssessmentConfig
) -> tuple[dict[int, list[tuple[int, str]]], np.ndarray]:
    """Alerts by the hour they become known, and per room, group and hour whether one is open."""
    by_hour: dict[int, list[tuple[int, str]]] = {}
    groups = sorted(set(WATCH_GROUPS.values()))
    rows, hours = next(iter(verdicts.values())).verdict.shape
    open_ = np.zeros((len(groups), rows, hours + 1), np.bool_)
    for kind in WATCH_KINDS:
        g = groups.index(WATCH_GROUPS[kind])
        wait = int(hold_off(kind, config).total_seconds() // 3600)
        for episode in episodes(verdicts[kind].verdict, wait):
            known = episode.raised + 1  # the verdict of hour `raised` is known at its end
            by_hour.setdefault(known, []).append((episode.row, WATCH_GROUPS[kind]))
            end = hours + 1 if episode.cleared is None else episode.cleared + 1
            open_[g, episode.row, known:end] = True
    return by_hour, open_


def run_watches(
    rooms: RoomFrame,
    ind: RoomIndicators,
    verdicts: dict[AlertKind, KindVerdicts],
    config: AssessmentConfig,
    settings: WatchSettings,
) -> WatchRun:
    """Step through the period, projecting from what was known at each step."""
    groups = sorted(set(WATCH_GROUPS.values()))
    alerts_at, alert_open = _alert_starts(verdicts, config)
    result = WatchRun()
    current: dict[tuple[int, str], Watch] = {}
    last_crossing: dict[tuple[int, str], int] = {}
    vulnerable = np.zeros(len(rooms.rooms), np.bool_)
    steps = list(range(HOURS_7D, rooms.hours + 1, settings.step_h))
    done = 0
    for now in steps:
        for hour in range(done + 1, now + 1):  # alerts that became known since the last step
            for row, group in alerts_at.get(hour, []):
                result.alerts.append((row, group, hour))
                watch = current.pop((row, group), None)
                if watch is not None:
                    watch.ended, watch.alert_at = hour, hour
        done = now
        outlook = project(
            observed(rooms, now),
            ind.flags[:, max(now - HOURS_30D, 0) : now],
            MouldGrid(ind.mould_index[:, now - 1].copy(), ind.mould_dry_hours[:, now - 1].copy()),
            vulnerable,
            config,
        )
        crossing = {group: np.zeros(len(rooms.rooms), np.bool_) for group in groups}
        for kind in WATCH_KINDS:
            crossing[WATCH_GROUPS[kind]] |= outlook.kinds[kind].share >= settings.min_share
        for g, group in enumerate(groups):
            for row in range(len(rooms.rooms)):
                key = (row, group)
                if crossing[group][row]:
                    last_crossing[key] = now
                    if key not in current and not alert_open[g, row, now]:
                        current[key] = Watch(row, group, now)
                        result.watches.append(current[key])
                elif key in current and now - last_crossing.get(key, now) >= settings.clear_h:
                    current.pop(key).ended = now
    for hour in range(done + 1, rooms.hours + 1):
        for row, group in alerts_at.get(hour, []):
            result.alerts.append((row, group, hour))
            watch = current.pop((row, group), None)
            if watch is not None:
                watch.ended, watch.alert_at = hour, hour
    return result


def score_watches(run: WatchRun, rooms: RoomFrame, truth: dict[str, Any]) -> dict[str, Any]:
    """Lead times, the share of alerts preceded by a watch, the healthy homes ever watched."""
    preceded = {(w.row, w.group, w.alert_at): w for w in run.watches if w.alert_at is not None}
    leads = [w.alert_at - w.opened for w in preceded.values() if w.alert_at is not None]
    eligible = [a for a in run.alerts if a[2] > HOURS_7D]
    by_group: dict[str, dict[str, int]] = {}
    for row, group, at in eligible:
        entry = by_group.setdefault(group, {"alerts": 0, "preceded": 0})
        entry["alerts"] += 1
        entry["preceded"] += (row, group, at) in preceded
    for group, entry in by_group.items():
        group_leads = [at - w.opened for (_, g, at), w in preceded.items() if g == group]
        entry["median_lead_h"] = int(statistics.median(group_leads)) if group_leads else -1
    total = sum(e["alerts"] for e in by_group.values())
    healthy = {
        h["home_id"] for h in truth["homes"] if not h["conditions"] and not h.get("borderline")
    }
    watched = {rooms.homes[w.row] for w in run.watches}
    return {
        "watches": len(run.watches),
        "watches_followed_by_alert": len(preceded),
        "median_lead_h": statistics.median(leads) if leads else None,
        "alerts": total,
        "alerts_in_first_week": len(run.alerts) - len(eligible),
        "preceded_share": (sum(e["preceded"] for e in by_group.values()) / total)
        if total
        else None,
        "by_group": by_group,
        "healthy_homes": len(healthy),
        "healthy_watched": len(healthy & watched),
        "healthy_watched_share": len(healthy & watched) / len(healthy) if healthy else None,
    }


def watch_report(results: dict[str, Any]) -> str:
    """The early-warning lines of the eval table."""

    def fmt(value: float | None, spec: str = ".3f") -> str:
        return "n/a" if value is None else format(value, spec)

    groups = ", ".join(
        f"{group} {e['preceded']}/{e['alerts']} (median lead {e['median_lead_h']} h)"
        for group, e in sorted(results["by_group"].items())
    )
    return "\n".join(
        [
            f"early warning: {results['watches']} watches, {results['watches_followed_by_alert']} "
            f"followed by their alert",
            f"  median lead time of a watch before its alert: "
            f"{fmt(results['median_lead_h'], '.0f')} h (goal ≥ {GOAL_MEDIAN_LEAD_H:.0f})",
            f"  hazard alerts after the first week preceded by a watch: "
            f"{fmt(results['preceded_share'])} ({groups}; goal ≥ {GOAL_PRECEDED:.2f}); "
            f"{results['alerts_in_first_week']} raised in the first week, before a projection",
            f"  healthy homes ever watched: {results['healthy_watched']} of "
            f"{results['healthy_homes']} = {fmt(results['healthy_watched_share'])} "
            f"(goal ≤ {GOAL_HEALTHY_WATCHED:.2f})",
        ]
    )
