"""Alerts over time from hourly verdicts: the same raise / hold-off / clear semantics as the
alert service, without a database (evaluation, replays, tests)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.rules import CLEAR, HOLD, RAISE


@dataclass(frozen=True)
class Episode:
    """One alert: raised at the end of hour `raised`, cleared at the end of hour `cleared`."""

    row: int
    raised: int
    cleared: int | None


def episodes(verdict: npt.NDArray[np.int8], hold_off_h: int) -> list[Episode]:
    """Alerts the verdicts would open and clear, row by row (hold-off in hours)."""
    found: list[Episode] = []
    for row in np.flatnonzero((verdict == RAISE).any(axis=1)):
        opened: int | None = None
        clear_since: int | None = None
        for col, value in enumerate(verdict[row]):
            if value == RAISE:
                opened = col if opened is None else opened
                clear_since = None
            elif opened is None or value == HOLD:
                clear_since = None
            elif value == CLEAR:
                clear_since = col if clear_since is None else clear_since
                if col - clear_since >= hold_off_h:
                    found.append(Episode(int(row), opened, col))
                    opened, clear_since = None, None
        if opened is not None:
            found.append(Episode(int(row), opened, None))
    return found
