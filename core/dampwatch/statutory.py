"""The statutory clock of Awaab's Law for social landlords in England.

The Hazards in Social Housing (Prescribed Requirements) (England) Regulations 2025, in force from
27 October 2025, made under s.10A of the Landlord and Tenant Act 1985 (inserted by the Social
Housing (Regulation) Act 2023, s.42, "Awaab's Law"): a landlord must investigate a potential
significant hazard within 10 working days of becoming aware of it, and an emergency hazard within
24 hours; the written summary of the investigation goes to the tenant within 3 working days of
the investigation concluding. Working days exclude weekends and the bank holidays of England and
Wales (the same list for both, taken from the `holidays` package); day boundaries are UK local
time, so a deadline is the end of the working day in Europe/London.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

import holidays

UK_TIMEZONE: Final = ZoneInfo("Europe/London")
SIGNIFICANT_INVESTIGATION_WORKING_DAYS: Final = 10
EMERGENCY_INVESTIGATION_HOURS: Final = 24
SUMMARY_WORKING_DAYS: Final = 3
SATURDAY: Final = 5
# England and Wales share one list of bank holidays; "ENG" is the package's code for it.
HOLIDAY_COUNTRY: Final = "GB"
HOLIDAY_SUBDIVISION: Final = "ENG"


class HazardLevel(StrEnum):
    """How the law classes a hazard for the investigation deadline."""

    EMERGENCY = "emergency"
    SIGNIFICANT = "significant"


class NotAwareTimeError(ValueError):
    """A clock was asked for with a naive datetime."""


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays(HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIVISION, years=year)
    return frozenset(calendar.keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    return day.weekday() < SATURDAY and day not in _bank_holidays(day.year)


def add_working_days(start: date, working_days: int) -> date:
    """The date `working_days` working days after `start` (start itself is day 0)."""
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    day = start
    counted = 0
    while counted < working_days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise NotAwareTimeError("statutory clocks need timezone-aware datetimes")


def end_of_uk_day(day: date) -> datetime:
    """The last microsecond of `day` in UK local time, as UTC."""
    local_end = datetime.combine(day, time(23, 59, 59, 999_999), tzinfo=UK_TIMEZONE)
    return local_end.astimezone(UTC)


def working_days_deadline(start: datetime, working_days: int) -> datetime:
    """End of the UK working day `working_days` working days after the day of `start`."""
    _require_aware(start)
    local_day = start.astimezone(UK_TIMEZONE).date()
    return end_of_uk_day(add_working_days(local_day, working_days))


def investigation_due_by(aware_at: datetime, level: HazardLevel) -> datetime:
    """When the investigation must be done: 24 hours for emergencies, else 10 working days."""
    _require_aware(aware_at)
    if level is HazardLevel.EMERGENCY:
        return aware_at.astimezone(UTC) + timedelta(hours=EMERGENCY_INVESTIGATION_HOURS)
    return working_days_deadline(aware_at, SIGNIFICANT_INVESTIGATION_WORKING_DAYS)


def summary_due_by(investigated_at: datetime) -> datetime:
    """When the written summary must reach the tenant: 3 working days after the investigation."""
    return working_days_deadline(investigated_at, SUMMARY_WORKING_DAYS)


@dataclass(frozen=True)
class ClockStatus:
    """Where a case stands against its deadlines at a moment."""

    due_by: datetime
    summary_due_by: datetime | None
    overdue: bool
    overdue_step: str | None  # "investigation" or "summary" when overdue


def clock_status(
    due_by: datetime,
    now: datetime,
    *,
    investigated_at: datetime | None = None,
    summary_sent_at: datetime | None = None,
) -> ClockStatus:
    """Whether the investigation or the written summary is overdue at `now`."""
    _require_aware(now)
    if investigated_at is None:
        late = now > due_by
        return ClockStatus(due_by, None, late, "investigation" if late else None)
    summary_deadline = summary_due_by(investigated_at)
    summary_late = summary_sent_at is None and now > summary_deadline
    return ClockStatus(due_by, summary_deadline, summary_late, "summary" if summary_late else None)
