"""What `dampwatch demo` shows: a progress bar while it works, the board and sign-ins at the end."""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from dampwatch_stack.demo_api import Credentials

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


@dataclass
class DemoResult:
    """What the demo made, for the table or `--json`."""

    api_url: str = ""
    api_key: str = ""
    officer: Credentials | None = None
    tenant: Credentials | None = None
    board: list[dict[str, Any]] = field(default_factory=list)
    archetypes: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    readings_published: int = 0
    readings_stored: int = 0
    truth_path: str = ""
    cases: int = 0
    hact_export: str = ""
    feed: str = ""
    env_file: str = ""


def result_document(
    result: DemoResult, homes: int, days: int, seed: int, elapsed_s: float
) -> dict[str, Any]:
    """The `--json` form of the result."""

    def user(credentials: Credentials | None) -> dict[str, str] | None:
        return None if credentials is None else vars(credentials)

    return {
        "homes": homes,
        "days": days,
        "seed": seed,
        "elapsed_s": round(elapsed_s, 1),
        "timings_s": result.timings_s,
        "readings_published": result.readings_published,
        "readings_stored": result.readings_stored,
        "api_url": result.api_url,
        "api_key": result.api_key,
        "officer": user(result.officer),
        "tenant": user(result.tenant),
        "urls": result.urls,
        "truth": result.truth_path,
        "env_file": result.env_file,
        "archetypes": result.archetypes,
        "board": result.board,
        "cases": result.cases,
        "hact_export": result.hact_export,
        "feed": result.feed,
    }


def print_result(result: DemoResult, elapsed_s: float, out: TextIO) -> None:
    """The board as a table, then where to look and how to sign in."""
    flagged = {str(entry["home_id"]) for entry in result.board}
    out.write(
        f"\n{len(flagged)} of {len(result.archetypes)} homes need intervention "
        f"(demo finished in {elapsed_s:.0f} s)\n\n"
    )
    out.write(board_table(result.board, result.archetypes) + "\n\n")
    out.write(archetype_summary(result.archetypes, flagged) + "\n\n")
    urls = result.urls
    if result.officer is not None:
        where = urls.get("board", urls["board_api"])
        out.write(
            f"officers' board   {where}\n"
            f"                  sign in as {result.officer.username} / {result.officer.password}\n"
        )
    if result.tenant is not None:
        where = urls.get("home", urls.get("home_api", ""))
        out.write(
            f"a tenant's home   {where}\n"
            f"                  sign in as {result.tenant.username} / {result.tenant.password}\n"
        )
    if result.tenant is not None and result.env_file:
        out.write(
            f"condition report  dampwatch report {result.board[0]['home_id']} "
            f"--env-file {result.env_file}\n"
        )
    if "board" not in urls:
        out.write(
            f"                  (JSON API: at {urls['docs']} choose Authorize and sign in, "
            "or use the key below)\n"
        )
    out.write(
        f"API               {urls['docs']}  (Authorization: Bearer {result.api_key})\n"
        f"truth of the simulation: {result.truth_path}\n"
    )
    if result.hact_export:
        out.write(
            f"cases             {result.cases} opened; as damp and mould data standard objects: "
            f"{result.hact_export}\n                  daily feed (CSV, SQL): {result.feed}\n"
        )
    out.flush()
