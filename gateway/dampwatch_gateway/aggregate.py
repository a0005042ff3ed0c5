"""One reading per device per interval: drop repeated advertisements, then mean or latest.

Windows are aligned to the wall clock (`floor(t / interval)`), so every device's readings fall
on the same grid. A window closes at its end, or earlier when a sample for a later window
arrives. The reading carries the time of the window's last sample. `mean` averages each field
over the samples that had it (a better estimate of the interval than one noisy sample, and it
smooths the 1 % steps of atc1441 humidity); `latest` keeps each field's last value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from dampwatch_gateway.samples import Sample


class Deduplicator:
    """Drops a sample whose counter repeats the sensor's previous one.

    BLE thermometers send each measurement several times; the counter tells the copies apart.
    A sensor whose counter wraps or restarts simply produces a different value, which passes.
    """

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def is_repeat(self, sample: Sample) -> bool:
        """True when the sample repeats the last counter seen from the same sensor."""
        if sample.counter is None:
            return False
        key = sample.key
        if self._last.get(key) == sample.counter:
            return True
        self._last[key] = sample.counter
        return False


class WindowReading(NamedTuple):
    """An aggregated reading: the device, the time of its last sample and its values."""

    device: str
    ts_s: float
    values: dict[str, float]
    samples: int


@dataclass(slots=True)
class _Window:
    index: int
    last_ts_s: float
    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    latest: dict[str, float] = field(default_factory=dict)
    samples: int = 0


class Aggregator:
    """Collects samples per device into interval windows."""

    def __init__(self, interval_s: float, mode: Literal["mean", "latest"]) -> None:
        self.interval_s = interval_s
        self.mode = mode
        self._open: dict[str, _Window] = {}

    def add(self, device: str, values: dict[str, float], ts_s: float) -> list[WindowReading]:
        """Add a sample; returns the reading of a window this sample closed, if any."""
        index = math.floor(ts_s / self.interval_s)
        closed: list[WindowReading] = []
        window = self._open.get(device)
        if window is not None and index > window.index:
            closed.append(self._close(device))
            window = None
        if window is None:
            window = self._open[device] = _Window(index, ts_s)
        window.last_ts_s = max(window.last_ts_s, ts_s)
        window.samples += 1
        for name, value in values.items():
            window.sums[name] = window.sums.get(name, 0.0) + value
            window.counts[name] = window.counts.get(name, 0) + 1
            window.latest[name] = value
        return closed

    def due(self, now_s: float) -> list[WindowReading]:
        """Readings of every window that has ended by `now_s`."""
        ended = [d for d, w in self._open.items() if (w.index + 1) * self.interval_s <= now_s]
        return [self._close(device) for device in ended]

    def close_all(self) -> list[WindowReading]:
        """Readings of every open window (at shutdown, so no sample is lost)."""
        return [self._close(device) for device in list(self._open)]

    def next_deadline(self) -> float | None:
        """When the earliest open window ends, or None."""
        if not self._open:
            return None
        return min((w.index + 1) * self.interval_s for w in self._open.values())

    def _close(self, device: str) -> WindowReading:
        window = self._open.pop(device)
        if self.mode == "mean":
            values = {
                name: round(total / window.counts[name], 3) for name, total in window.sums.items()
            }
        else:
            values = dict(window.latest)
        return WindowReading(device, window.last_ts_s, values, window.samples)
