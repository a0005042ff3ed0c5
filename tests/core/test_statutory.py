"""The Awaab's Law clock: working days with England and Wales bank holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dampwatch import statutory
from dampwatch.statutory import HazardLevel


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    assert statutory.is_working_day(date(2025, 12, 24))
    assert not statutory.is_working_day(date(2025, 12, 25))  # Christmas Day
    assert not statutory.is_working_day(date(2025, 12, 26))  # Boxing Day
    assert not statutory.is_working_day(date(2025, 12, 27))  # Saturday
    assert not statutory.is_working_day(date(2026, 4, 3))  # Good Friday 2026
    assert not statutory.is_working_day(date(2026, 4, 6))  # Easter Monday 2026


def test_ten_working_days_over_christmas_hand_counted() -> None:
    # Aware Mon 22 Dec 2025. Working days: 23, 24, 29, 30, 31 Dec, 2, 5, 6, 7, 8 Jan
    # (25, 26 Dec and 1 Jan are bank holidays).
    assert statutory.add_working_days(date(2025, 12, 22), 10) == date(2026, 1, 8)


def test_significant_hazard_due_at_end_of_tenth_working_day_uk_time() -> None:
    aware = datetime(2025, 11, 3, 9, 30, tzinfo=UTC)  # Monday
    due = statutory.investigation_due_by(aware, HazardLevel.SIGNIFICANT)
    # Ten working days later is Monday 17 Nov; end of day in London (GMT in November).
    assert due == datetime(2025, 11, 17, 23, 59, 59, 999_999, tzinfo=UTC)


def test_deadline_follows_british_summer_time() -> None:
    aware = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # Monday
    due = statutory.investigation_due_by(aware, HazardLevel.SIGNIFICANT)
    assert due == datetime(2026, 6, 15, 22, 59, 59, 999_999, tzinfo=UTC)  # 23:59:59 BST


def test_late_evening_utc_counts_from_the_uk_local_day() -> None:
    # 23:30 UTC on Sunday 31 May 2026 is already Monday 1 June in London (BST).
    aware = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    due = statutory.investigation_due_by(aware, HazardLevel.SIGNIFICANT)
    assert due.date() == date(2026, 6, 15)


def test_emergency_is_24_hours_of_clock_time() -> None:
    aware = datetime(2025, 12, 24, 16, 0, tzinfo=UTC)
    due = statutory.investigation_due_by(aware, HazardLevel.EMERGENCY)
    assert due == aware + timedelta(hours=24)


def test_summary_three_working_days_after_investigation() -> None:
    investigated = datetime(2025, 12, 23, 11, 0, tzinfo=UTC)  # Tuesday
    # 24 Dec, 29 Dec, 30 Dec.
    assert statutory.summary_due_by(investigated).date() == date(2025, 12, 30)


def test_clock_status_overdue_steps() -> None:
    due = datetime(2025, 11, 17, 23, 59, tzinfo=UTC)
    before = statutory.clock_status(due, due - timedelta(hours=1))
    assert not before.overdue
    after = statutory.clock_status(due, due + timedelta(minutes=1))
    assert after.overdue
    assert after.overdue_step == "investigation"
    investigated = datetime(2025, 11, 14, 10, 0, tzinfo=UTC)  # Friday
    pending = statutory.clock_status(
        due, datetime(2025, 11, 20, 12, 0, tzinfo=UTC), investigated_at=investigated
    )
    assert pending.summary_due_by is not None
    assert pending.summary_due_by.date() == date(2025, 11, 19)
    assert pending.overdue_step == "summary"
    sent = statutory.clock_status(
        due,
        datetime(2025, 11, 20, 12, 0, tzinfo=UTC),
        investigated_at=investigated,
        summary_sent_at=datetime(2025, 11, 18, tzinfo=UTC),
    )
    assert not sent.overdue


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(statutory.NotAwareTimeError):
        statutory.investigation_due_by(datetime(2025, 11, 3), HazardLevel.SIGNIFICANT)
    with pytest.raises(ValueError, match="negative"):
        statutory.add_working_days(date(2025, 11, 3), -1)
