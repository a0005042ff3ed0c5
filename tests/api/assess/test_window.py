"""The in-memory window: merging hours, finding the homes whose readings changed."""

from __future__ import annotations

import numpy as np

from dampwatch.assessment.frame import OUTDOOR_ROOM, DeviceFrame
from dampwatch_api.assess.reader import HourlyReadings
from dampwatch_api.assess.window import changed_homes, changed_hours, merge_hours

START = 500_000
DEVICES = [("a", "a-1", "living-room"), ("b", "b-1", "bedroom-1"), ("a", "a-out", OUTDOOR_ROOM)]


def readings(start: int, hours: int, devices: list[tuple[str, str, str]]) -> HourlyReadings:
    frame = DeviceFrame.empty(
        [d[0] for d in devices], [d[1] for d in devices], [d[2] for d in devices], start, hours
    )
    frame.count[:] = 6
    frame.temperature_c[:] = 20.0
    frame.humidity_pct[:] = 50.0
    nan = np.full(frame.count.shape, np.nan)
    index = {(d[0], d[1]): row for row, d in enumerate(devices)}
    return HourlyReadings(frame, nan.copy(), nan.copy(), index)


def test_merge_takes_later_parts_over_earlier_ones_and_unites_devices() -> None:
    cached = readings(START, 10, DEVICES[:2])
    late = readings(START + 4, 2, DEVICES[:1])
    late.frame.humidity_pct[:] = 90.0
    new = readings(START + 10, 1, DEVICES)
    merged = merge_hours([cached, late, new], START + 2, START + 11)
    assert merged.frame.start_hour == START + 2 and merged.frame.hours == 9
    assert merged.frame.devices == ["a-1", "b-1", "a-out"]
    assert merged.frame.humidity_pct[0].tolist() == [50, 50, 90, 90, 50, 50, 50, 50, 50]
    # b-1 was not in the re-read hours: nothing of it there (the re-read is the truth).
    assert np.isnan(merged.frame.humidity_pct[1, 2:4]).all()
    assert merged.frame.count[1, 2:4].tolist() == [0, 0]
    assert np.isnan(merged.frame.temperature_c[2, :8]).all()  # outdoor only in the new hour
    assert merged.index[("a", "a-out")] == 2


def test_changed_homes_are_those_whose_aggregates_differ() -> None:
    cached = readings(START, 10, DEVICES)
    same = readings(START + 3, 2, DEVICES)
    assert changed_homes(cached, same, OUTDOOR_ROOM) == frozenset()
    moved = readings(START + 3, 2, DEVICES)
    moved.frame.count[1, 0] = 7  # a late reading of b's bedroom
    moved.frame.temperature_c[1, 0] = 19.9
    assert changed_homes(cached, moved, OUTDOOR_ROOM) == frozenset({"b"})
    erased = readings(START + 3, 2, [DEVICES[0], DEVICES[2]])  # b's readings are gone
    assert changed_homes(cached, erased, OUTDOOR_ROOM) == frozenset({"b"})
    outdoor = readings(START + 3, 2, DEVICES)
    outdoor.frame.temperature_c[2, 1] = 3.0  # every home's wall estimate may use it
    assert changed_homes(cached, outdoor, OUTDOOR_ROOM) is None


def test_fingerprints_compare_within_the_rounding_of_a_sum() -> None:
    before = np.array([[6.0, 120.0, 300.0], [6.0, 120.0, 300.0], [6.0, 120.0, 300.0]])
    now = before.copy()
    now[0, 1] += 1e-10  # the same readings summed in another order
    now[2, 0] = 7.0  # one more reading
    assert changed_hours(before, now).tolist() == [2]
