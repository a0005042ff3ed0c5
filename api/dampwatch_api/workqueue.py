"""The board as an officer's work queue: search, filters, sort orders and counts.

Everything here works on the ranked board in memory (`boardcache.RankedBoard`): a query costs
no SQL, and its page is kept until the board changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel

from dampwatch.assessment.kinds import SEVERITY_RANK, AlertKind, Severity
from dampwatch.statutory import UK_TIMEZONE
from dampwatch_api.alerts.board import BoardRow
from dampwatch_api.boardcache import HomeFacts, LastAction

# The board's status lights: one per group of kinds, showing the group's worst severity.
KIND_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "damp": (AlertKind.MOULD_RISK.value, AlertKind.CONDENSATION_RISK.value),
    "cold": (AlertKind.COLD_HOME.value,),
    "heat": (AlertKind.OVERHEATING.value,),
    "sensors": (
        AlertKind.DEVICE_OFFLINE.value,
        AlertKind.BATTERY_LOW.value,
        AlertKind.SENSOR_FAULT.value,
    ),
}
FAR_FUTURE: Final = datetime.max.replace(tzinfo=UTC)
FAR_PAST: Final = datetime.min.replace(tzinfo=UTC)


class QueueState(StrEnum):
    """Where a home's cases stand."""

    NEW = "new"  # at least one alert nobody has acknowledged
    ACKNOWLEDGED = "acknowledged"  # every alert acknowledged
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"  # a statutory deadline later today (UK time), none passed
    UNASSIGNED = "unassigned"


class QueueSort(StrEnum):
    """The orders an officer can sort the queue by; ties keep the board's rank."""

    RANK = "rank"
    DUE = "due"
    ADDRESS = "address"
    ASSIGNEE = "assignee"
    LAST_ACTION = "last_action"


@dataclass(frozen=True)
class QueueLine:
    """One home of the ranked board with what the queue shows and filters on."""

    rank: int
    row: BoardRow
    home: HomeFacts
    last_action: LastAction | None

    @property
    def deadline(self) -> datetime | None:
        """The case's next statutory duty when casework runs, else the alerts' earliest clock."""
        return self.home.next_duty[2] if self.home.next_duty else self.row.next_due_by

    def overdue(self, now: datetime) -> bool:
        """An alert's clock or the case's next duty has passed."""
        deadline = self.deadline
        return self.row.overdue_alerts > 0 or (deadline is not None and deadline < now)


def group_severity(kind_severity: Mapping[str, str], group: str) -> str | None:
    """The worst severity among a home's alerts of a kind group, or None."""
    found = [kind_severity[kind] for kind in KIND_GROUPS[group] if kind in kind_severity]
    if not found:
        return None
    return max(found, key=lambda value: SEVERITY_RANK.get(Severity(value), 0))


def is_due_today(line: QueueLine, now: datetime) -> bool:
    """A deadline falls later today in UK time, and none has passed."""
    due = line.deadline
    if due is None or line.overdue(now):
        return False
    return due.astimezone(UK_TIMEZONE).date() == now.astimezone(UK_TIMEZONE).date()


def _in_state(line: QueueLine, state: QueueState, now: datetime) -> bool:
    row = line.row
    if state is QueueState.NEW:
        return row.unacknowledged > 0
    if state is QueueState.ACKNOWLEDGED:
        return row.unacknowledged == 0
    if state is QueueState.OVERDUE:
        return line.overdue(now)
    if state is QueueState.DUE_TODAY:
        return is_due_today(line, now)
    return not row.assignees


def _normalised(text: str) -> str:
    return "".join(text.lower().split())


@dataclass(frozen=True)
class QueueFilters:
    """What narrows the queue; None means any."""

    portfolio: str | None = None
    patch: str | None = None
    overdue: bool | None = None
    search: str | None = None  # address, postcode or home id, ignoring case and spaces
    kind: str | None = None  # an alert kind, or a group of KIND_GROUPS
    state: QueueState | None = None
    assignee: str | None = None

    def admits(self, line: QueueLine, now: datetime) -> bool:
        """The line passes every filter (cheapest checks first: this runs per home)."""
        home, row = line.home, line.row
        if (self.portfolio is not None and home.portfolio != self.portfolio) or (
            self.patch is not None and home.patch != self.patch
        ):
            return False
        if self.overdue is not None and line.overdue(now) != self.overdue:
            return False
        if self.assignee is not None and self.assignee not in row.assignees:
            return False
        if self.kind is not None and not self._has_kind(row):
            return False
        if self.state is not None and not _in_state(line, self.state, now):
            return False
        return not self.search or _normalised(self.search) in _normalised(
            f"{home.address}|{home.postcode}|{row.home_id}"
        )

    def _has_kind(self, row: BoardRow) -> bool:
        return self.kind in row.kinds or any(
            kind in row.kinds for kind in KIND_GROUPS.get(self.kind or "", ())
        )


def _sort_key(sort: QueueSort) -> Callable[[QueueLine], Any]:
    keys: dict[QueueSort, Callable[[QueueLine], Any]] = {
        QueueSort.RANK: lambda line: line.rank,
        QueueSort.DUE: lambda line: (line.deadline or FAR_FUTURE, line.rank),
        QueueSort.ADDRESS: lambda line: (line.home.address.lower(), line.rank),
        QueueSort.ASSIGNEE: lambda line: (
            not line.row.assignees,
            (line.row.assignees or [""])[0].lower(),
            line.rank,
        ),
        QueueSort.LAST_ACTION: lambda line: (
            -(line.last_action.at if line.last_action else FAR_PAST).timestamp(),
            line.rank,
        ),
    }
    return keys[sort]


def ordered(lines: Iterable[QueueLine], sort: QueueSort, descending: bool) -> list[QueueLine]:
    """The lines in the chosen order (descending reverses it), ties in board rank."""
    result = sorted(lines, key=_sort_key(sort))
    return result[::-1] if descending else result


class QueueCounts(BaseModel):
    """What the top of the board counts over the caller's homes."""

    homes: int
    open_alerts: int
    new: int
    due_today: int
    overdue: int
    unassigned: int
    by_kind: dict[str, int]


def counts(lines: Sequence[QueueLine], now: datetime) -> QueueCounts:
    """Homes in each state and with each group of kinds (a home counts once per group)."""
    rows = [line.row for line in lines]
    return QueueCounts(
        homes=len(rows),
        open_alerts=sum(row.open_alerts for row in rows),
        new=sum(row.unacknowledged > 0 for row in rows),
        due_today=sum(is_due_today(line, now) for line in lines),
        overdue=sum(line.overdue(now) for line in lines),
        unassigned=sum(not row.assignees for row in rows),
        by_kind={
            group: sum(group_severity(row.kind_severity, group) is not None for row in rows)
            for group in KIND_GROUPS
        },
    )
