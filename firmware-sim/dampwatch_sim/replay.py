"""Replay a real dataset's devices through the broker, with original or shifted timestamps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import numpy as np

from dampwatch.const import MAX_READINGS_PER_MESSAGE
from dampwatch.topics import reading_topic
from dampwatch_sim.datasets import Series
from dampwatch_sim.firmware import row_count, take
from dampwatch_sim.payloads import readings_payload
from dampwatch_sim.publish import Outgoing

DAY_S: Final = 86_400.0


def shift_series(series: list[Series], offset_s: float) -> list[Series]:
    """The same readings moved by `offset_s` seconds."""
    moved = []
    for item in series:
        readings = dict(item.readings)
        readings["ts"] = readings["ts"] + round(offset_s)
        moved.append(Series(item.device_id, item.room, readings))
    return moved


def time_span(series: list[Series]) -> tuple[float, float]:
    """First and last timestamp over every device."""
    firsts = [float(item.readings["ts"][0]) for item in series if row_count(item.readings)]
    lasts = [float(item.readings["ts"][-1]) for item in series if row_count(item.readings)]
    return min(firsts), max(lasts)


def replay_messages(
    series: list[Series], home_id: str, prefix: str, batch: int, group_s: float = DAY_S
) -> Iterator[list[Outgoing]]:
    """Messages in time order, a day of dataset time per group; arrays of up to `batch`."""
    batch = max(1, min(batch, MAX_READINGS_PER_MESSAGE))
    start, end = time_span(series)
    group_start = start
    while group_start <= end:
        group_end = group_start + group_s
        out: list[Outgoing] = []
        for item in series:
            times = item.readings["ts"]
            first, last = np.searchsorted(times, [group_start, group_end])
            topic = reading_topic(home_id, item.device_id, prefix)
            for begin in range(int(first), int(last), batch):
                part = take(item.readings, slice(begin, min(begin + batch, int(last))))
                payload = readings_payload(part, as_array=batch > 1)
                out.append(
                    Outgoing(float(part["ts"][-1]), home_id, topic, payload, False, row_count(part))
                )
        out.sort(key=lambda message: message.send_s)
        yield out
        group_start = group_end
