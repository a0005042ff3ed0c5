"""The early-warning evaluation: watches stepped through a period from what was known then."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from bench.watch_eval import WatchSettings, run_watches, score_watches

from dampwatch.assessment.config import DEFAULT_CONFIG, HOURS_30D
from dampwatch.assessment.frame import RoomFrame, hour_index
from dampwatch.assessment.indicators import MouldGrid, assess_rooms
from dampwatch.assessment.rules import room_verdicts

START = hour_index(datetime(2026, 1, 5, tzinfo=UTC))
HOURS = 24 * 40


def two_homes(late_change: float = 0.0) -> RoomFrame:
    """A bedroom turning damp from day 10, and a bathroom with a daily shower only."""
    day, hour = np.arange(HOURS) / 24.0, np.arange(HOURS) % 24
    frame = RoomFrame.empty(["damp", "well"], ["bedroom-1", "bathroom"], START, HOURS)
    frame.temperature_c = np.vstack(
        [18.0 + np.where((hour >= 7) & (hour < 23), 1.0, -1.0), np.full(HOURS, 20.0)]
    )
    damp = np.where(day < 10, 55.0, 76.0) + np.where(hour < 8, 6.0, 0.0)
    frame.humidity_pct = np.vstack([damp, np.where(hour == 7, 97.0, 55.0)])
    frame.humidity_pct[:, 24 * 35 :] += late_change
    return frame


def watched(frame: RoomFrame) -> tuple[list[tuple[int, str, int]], dict[str, object]]:
    rooms = len(frame.rooms)
    ind = assess_rooms(
        frame, np.zeros((rooms, HOURS_30D), np.uint16), MouldGrid.zeros(rooms), DEFAULT_CONFIG
    )
    verdicts = room_verdicts(frame, ind, np.zeros(rooms, bool), DEFAULT_CONFIG)
    run = run_watches(frame, ind, verdicts, DEFAULT_CONFIG, WatchSettings())
    truth = {
        "homes": [{"home_id": "damp", "conditions": [{}]}, {"home_id": "well", "conditions": []}]
    }
    return [(w.row, w.group, w.opened) for w in run.watches], score_watches(run, frame, truth)


def test_the_damp_bedroom_is_watched_before_its_alerts_and_the_shower_room_never() -> None:
    watches, score = watched(two_homes())
    assert watches and {row for row, _, _ in watches} == {0}
    by_kind = score["by_group"]
    assert by_kind["mould_risk"]["preceded"] == by_kind["mould_risk"]["alerts"] == 1
    assert score["median_lead_h"] is not None and score["median_lead_h"] >= 24
    assert score["healthy_watched"] == 0


def test_a_watch_opened_at_an_hour_does_not_depend_on_the_hours_after_it() -> None:
    early, _ = watched(two_homes())
    changed, _ = watched(two_homes(late_change=-30.0))  # the room dries out from day 35
    cut = 24 * 35
    assert [w for w in early if w[2] <= cut] == [w for w in changed if w[2] <= cut]
