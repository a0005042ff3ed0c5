"""What `dampwatch demo` shows: a progress bar while it works, the board as a table at the end."""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

BAR_WIDTH = 30
REDRAW_S = 0.1
REASON_WIDTH = 96
REASONS_SHOWN = 1


class ProgressBar:
    """A bar redrawn in place on a terminal; elsewhere one line when the step finishes."""

    def __init__(self, label: str, total: int, unit: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.unit = unit
        self._stream = stream or sys.stderr
        self._tty = self._stream.isatty()
        self._started = time.monotonic()
        self._drawn = 0.0
        self._done = 0

    def update(self, done: int, total: int | None = None) -> None:
        """Show `done` of the total (a new total when it became known)."""
        if total is not None:
            self.total = max(total, 1)
        self._done = min(done, self.total)
        now = time.monotonic()
        if self._tty and (now - self._drawn >= REDRAW_S or self._done == self.total):
            self._drawn = now
            self._stream.write("\r" + self._line() + "\x1b[K")
            self._stream.flush()

    def finish(self, summary: str = "") -> None:
        """End the bar with an optional summary after it."""
        self._done = self.total
        line = self._line() + (f"  {summary}" if summary else "")
        self._stream.write(("\r" + line + "\x1b[K\n") if self._tty else line + "\n")
        self._stream.flush()

    def _line(self) -> str:
        filled = round(BAR_WIDTH * self._done / self.total)
        elapsed = time.monotonic() - self._started
        return (
            f"{self.label:<12} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
            f"{self._done:,}/{self.total:,} {self.unit} {elapsed:5.1f} s"
        )


def board_table(board: Sequence[Mapping[str, Any]], archetypes: Mapping[str, str]) -> str:
    """The homes needing intervention, ranked, with why, and what the simulation made them."""
    if not board:
        return "No home needs intervention."
    header = (
        f"{'#':>3}  {'home':<10} {'score':>5} {'alerts':>6}  {'due by':<10}  "
        f"{'simulated as':<14} kinds"
    )
    lines = [header, "-" * (len(header) + 30)]
    for entry in board:
        due = str(entry.get("due_by") or "")[:10] or "-"
        overdue = " OVERDUE" if entry.get("overdue") else ""
        lines.append(
            f"{entry['rank']:>3}  {entry['home_id']:<10} {entry['score']:>5.0f} "
            f"{entry['open_alerts']:>6}  {due:<10}  {archetypes.get(entry['home_id'], '?'):<14} "
            f"{', '.join(entry['kinds'])}{overdue}"
        )
        for reason in entry.get("top_reasons", [])[:REASONS_SHOWN]:
            wrapped = textwrap.wrap(reason, REASON_WIDTH) or [""]
            lines.append(f"{'':5}why: {wrapped[0]}")
            lines.extend(f"{'':10}{more}" for more in wrapped[1:])
    return "\n".join(lines)


def archetype_summary(archetypes: Mapping[str, str], flagged: set[str]) -> str:
    """Per simulated archetype: how many homes, how many of them are on the board."""
    counts: dict[str, list[int]] = {}
    for home_id, archetype in archetypes.items():
        entry = counts.setdefault(archetype, [0, 0])
        entry[0] += 1
        entry[1] += home_id in flagged
    parts = [f"{name} {on}/{total}" for name, (total, on) in sorted(counts.items())]
    return "on the board, by simulated archetype: " + ", ".join(parts)
