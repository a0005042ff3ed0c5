"""Times as people in the UK read them: local clock time, "due in 23 h", "overdue 2 days"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from dampwatch.statutory import UK_TIMEZONE

MINUTE: Final = 60
HOUR: Final = 3600
DAY: Final = 86_400
# Up to two days a deadline is counted in hours: "due in 30 h" is clearer than "1 day".
HOURS_UP_TO: Final = 2 * DAY
DUE_SOON: Final = 3 * DAY


def uk(moment: datetime) -> datetime:
    """The moment on UK clocks (GMT or BST); naive values are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UK_TIMEZONE)


def when(moment: datetime | None) -> str:
    """`Tue 14 Jan, 09:05` in UK time (with the year when it is not this year), or a dash."""
    if moment is None:
        return "—"
    local = uk(moment)
    year = "" if local.year == uk(datetime.now(UTC)).year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year}, {local:%H:%M}"


def day(moment: datetime | None) -> str:
    """`Tuesday 14 January` in UK time, or a dash."""
    if moment is None:
        return "—"
    local = uk(moment)
    return f"{local:%A} {local.day} {local:%B}"


def span(seconds: float) -> str:
    """A duration in the coarsest unit that still says enough: 40 min, 23 h, 3 days."""
    seconds = abs(seconds)
    if seconds < HOUR:
        minutes = max(1, int(seconds // MINUTE))
        return f"{minutes} min"
    if seconds < HOURS_UP_TO:
        return f"{int(seconds // HOUR)} h"
    days = int(seconds // DAY)
    return f"{days} day" if days == 1 else f"{days} days"


def ago(moment: datetime | None, now: datetime) -> str:
    """`3 h ago`, `just now`, or a dash."""
    if moment is None:
        return "—"
    seconds = (now - moment).total_seconds()
    if seconds < MINUTE:
        return "just now"
    return f"{span(seconds)} ago"


@dataclass(frozen=True)
class Clock:
    """A statutory deadline as words, a level for its colour and the exact time."""

    text: str
    level: str  # overdue, soon, later, none
    exact: str


def clock(due: datetime | None, now: datetime) -> Clock:
    """`due in 23 h` or `overdue 2 days`, with the UK date and time."""
    if due is None:
        return Clock("no statutory clock", "none", "")
    seconds = (due - now).total_seconds()
    exact = when(due)
    if seconds < 0:
        return Clock(f"overdue {span(seconds)}", "overdue", exact)
    return Clock(f"due in {span(seconds)}", "soon" if seconds < DUE_SOON else "later", exact)
