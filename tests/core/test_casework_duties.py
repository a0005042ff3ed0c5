"""Every statutory deadline against cases worked out by hand from the regulations' wording.

Each test counts the days in its comment the way the law does: the day of awareness (or of the
investigation concluding) is day 0, working days skip weekends and England and Wales bank
holidays, a working-day deadline ends at midnight UK time, 24 hours are clock time and 12 weeks
are calendar weeks.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dampwatch.casework.duties import (
    CaseFacts,
    DutyKind,
    DutyStatus,
    Outcome,
    case_duties,
    next_duty,
    overdue,
)
from dampwatch.statutory import HazardLevel

LONDON = ZoneInfo("Europe/London")
END = time(23, 59, 59, 999_999)


def uk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime.combine(datetime(year, month, day).date(), END, tzinfo=LONDON)


def due(facts: CaseFacts, kind: DutyKind, now: datetime | None = None) -> datetime | None:
    duties = {duty.kind: duty for duty in case_duties(facts, now or facts.aware_at)}
    return duties[kind].due_by


def significant(**kwargs: object) -> CaseFacts:
    values: dict[str, object] = {"level": HazardLevel.SIGNIFICANT} | kwargs
    return CaseFacts(**values)  # type: ignore[arg-type]


# Investigation of a potential significant hazard: 10 working days from awareness.


def test_investigation_over_christmas_and_new_year_2025() -> None:
    # Aware Thu 18 Dec 2025 (day 0). Fri 19 (1), Mon 22 (2), Tue 23 (3), Wed 24 (4); Thu 25
    # Christmas Day and Fri 26 Boxing Day are bank holidays, 27-28 a weekend; Mon 29 (5),
    # Tue 30 (6), Wed 31 (7); Thu 1 Jan New Year's Day; Fri 2 (8), Mon 5 (9), Tue 6 Jan (10).
    facts = significant(aware_at=uk(2025, 12, 18, 10))
    assert due(facts, DutyKind.INVESTIGATE) == end_of(2026, 1, 6)


def test_investigation_over_easter_2026() -> None:
    # Aware Wed 1 Apr 2026 (day 0). Thu 2 (1); Good Friday 3 Apr, the weekend and Easter
    # Monday 6 Apr do not count; Tue 7 (2), Wed 8 (3), Thu 9 (4), Fri 10 (5), Mon 13 (6),
    # Tue 14 (7), Wed 15 (8), Thu 16 (9), Fri 17 Apr (10). BST: midnight is 22:59:59 UTC.
    facts = significant(aware_at=uk(2026, 4, 1, 9))
    deadline = due(facts, DutyKind.INVESTIGATE)
    assert deadline == end_of(2026, 4, 17)
    assert deadline is not None
    assert deadline.astimezone(UTC) == datetime(2026, 4, 17, 22, 59, 59, 999_999, tzinfo=UTC)


def test_investigation_over_christmas_2026_with_substitute_boxing_day() -> None:
    # Aware Wed 23 Dec 2026. Thu 24 (1); Fri 25 Christmas Day, the weekend, and Mon 28 Dec
    # (Boxing Day falls on a Saturday, so the bank holiday is the Monday) do not count;
    # Tue 29 (2), Wed 30 (3), Thu 31 (4); Fri 1 Jan 2027 New Year's Day; Mon 4 (5), Tue 5 (6),
    # Wed 6 (7), Thu 7 (8), Fri 8 (9), Mon 11 Jan 2027 (10).
    facts = significant(aware_at=uk(2026, 12, 23, 15))
    assert due(facts, DutyKind.INVESTIGATE) == end_of(2027, 1, 11)


def test_awareness_on_a_saturday_counts_from_that_day() -> None:
    # Aware Sat 7 Feb 2026 (day 0). Mon 9 (1) ... Fri 13 (5), Mon 16 (6) ... Fri 20 Feb (10).
    facts = significant(aware_at=uk(2026, 2, 7, 14))
    assert due(facts, DutyKind.INVESTIGATE) == end_of(2026, 2, 20)


def test_awareness_just_after_midnight_uk_is_that_uk_day() -> None:
    # 23:30 UTC on Sun 31 May 2026 is 00:30 BST on Mon 1 Jun: day 0 is Monday. Tue 2 (1) ...
    # Fri 5 (4), Mon 8 (5) ... Fri 12 (9), Mon 15 Jun (10).
    facts = significant(aware_at=datetime(2026, 5, 31, 23, 30, tzinfo=UTC))
    assert due(facts, DutyKind.INVESTIGATE) == end_of(2026, 6, 15)


def test_deadline_across_the_autumn_clock_change_ends_at_gmt_midnight() -> None:
    # Aware Wed 21 Oct 2026 in BST; clocks go back on Sun 25 Oct. Thu 22 (1), Fri 23 (2),
    # Mon 26 (3) ... Fri 30 (7), Mon 2 Nov (8), Tue 3 (9), Wed 4 Nov (10): 23:59:59 GMT.
    facts = significant(aware_at=uk(2026, 10, 21, 9))
    deadline = due(facts, DutyKind.INVESTIGATE)
    assert deadline is not None
    assert deadline.astimezone(UTC) == datetime(2026, 11, 4, 23, 59, 59, 999_999, tzinfo=UTC)


# Emergency hazards: 24 hours of clock time from awareness, for investigating and making safe.


def test_emergency_24_hours_span_a_bank_holiday_weekend() -> None:
    # Aware 16:00 on Christmas Eve 2025: due 16:00 on Christmas Day; holidays do not count.
    facts = CaseFacts(level=HazardLevel.EMERGENCY, aware_at=uk(2025, 12, 24, 16))
    assert due(facts, DutyKind.INVESTIGATE) == uk(2025, 12, 25, 16)
    assert due(facts, DutyKind.MAKE_SAFE) == uk(2025, 12, 25, 16)


def test_emergency_24_hours_across_the_spring_clock_change() -> None:
    # Aware 10:00 GMT on Sat 28 Mar 2026; clocks go forward at 01:00 on Sun 29 Mar. 24 hours
    # later is 10:00 UTC, which the clocks in the home show as 11:00 BST.
    facts = CaseFacts(level=HazardLevel.EMERGENCY, aware_at=uk(2026, 3, 28, 10))
    deadline = due(facts, DutyKind.INVESTIGATE)
    assert deadline == datetime(2026, 3, 29, 10, tzinfo=UTC)
    assert deadline is not None
    assert deadline.astimezone(LONDON).hour == 11


def test_emergency_24_hours_across_the_autumn_clock_change() -> None:
    # Aware 20:00 BST (19:00 UTC) on Sat 24 Oct 2026; clocks go back on Sun 25 Oct. 24 hours
    # later is 19:00 UTC on Sunday, 19:00 GMT on the home's clocks (one hour "earlier").
    facts = CaseFacts(level=HazardLevel.EMERGENCY, aware_at=uk(2026, 10, 24, 20))
    deadline = due(facts, DutyKind.MAKE_SAFE)
    assert deadline == datetime(2026, 10, 25, 19, tzinfo=UTC)
    assert deadline is not None
    assert deadline.astimezone(LONDON).hour == 19


def test_an_emergency_seen_during_a_significant_case_shortens_the_investigation() -> None:
    # Significant from Mon 2 Feb 2026 (due Mon 16 Feb); an emergency flag at 08:00 on Tue 10
    # Feb: investigate and make safe by 08:00 on Wed 11 Feb.
    facts = significant(aware_at=uk(2026, 2, 2, 9), emergency_aware_at=uk(2026, 2, 10, 8))
    assert due(facts, DutyKind.INVESTIGATE) == uk(2026, 2, 11, 8)
    assert due(facts, DutyKind.MAKE_SAFE) == uk(2026, 2, 11, 8)


# After the investigation: summary 3 working days, safety work 5, further work 5 and 12 weeks.


def test_duties_after_an_investigation_concluding_on_6_january_2026() -> None:
    # Concluded Tue 6 Jan 2026: summary Wed 7 (1), Thu 8 (2), Fri 9 Jan (3); safety work and
    # the first step of the further work Mon 12 (4), Tue 13 Jan (5); the further work itself
    # within 12 weeks: 6 Jan + 84 days = Tue 31 Mar 2026, after the clocks went forward.
    facts = significant(
        aware_at=uk(2025, 12, 18, 10),
        investigated_at=uk(2026, 1, 6, 15),
        outcome=Outcome.SIGNIFICANT,
        further_work=True,
    )
    assert due(facts, DutyKind.WRITTEN_SUMMARY) == end_of(2026, 1, 9)
    assert due(facts, DutyKind.MAKE_SAFE) == end_of(2026, 1, 13)
    assert due(facts, DutyKind.PREVENTATIVE_STEPS) == end_of(2026, 1, 13)
    start = due(facts, DutyKind.PREVENTATIVE_START)
    assert start == end_of(2026, 3, 31)
    assert start is not None
    assert start.astimezone(UTC) == datetime(2026, 3, 31, 22, 59, 59, 999_999, tzinfo=UTC)


def test_summary_after_an_investigation_before_easter_2026() -> None:
    # Concluded Thu 2 Apr 2026: Good Friday, the weekend and Easter Monday skipped;
    # Tue 7 (1), Wed 8 (2), Thu 9 Apr (3).
    facts = significant(
        aware_at=uk(2026, 4, 1, 9), investigated_at=uk(2026, 4, 2, 16), outcome=Outcome.NO_HAZARD
    )
    assert due(facts, DutyKind.WRITTEN_SUMMARY) == end_of(2026, 4, 9)


def test_summary_after_an_investigation_on_christmas_eve_2026() -> None:
    # Concluded Thu 24 Dec 2026: Tue 29 (1), Wed 30 (2), Thu 31 Dec (3).
    facts = significant(
        aware_at=uk(2026, 12, 23, 15),
        investigated_at=uk(2026, 12, 24, 11),
        outcome=Outcome.SIGNIFICANT,
        further_work=False,
    )
    assert due(facts, DutyKind.WRITTEN_SUMMARY) == end_of(2026, 12, 31)
    # Safety work: Tue 29 (1), Wed 30 (2), Thu 31 (3), Mon 4 Jan (4), Tue 5 Jan 2027 (5).
    assert due(facts, DutyKind.MAKE_SAFE) == end_of(2027, 1, 5)


def test_an_emergency_found_by_a_standard_investigation_is_made_safe_within_24_hours() -> None:
    # Concluded 16:00 on Fri 9 Jan 2026, finding an emergency: safe by 16:00 on Saturday.
    facts = significant(
        aware_at=uk(2026, 1, 5, 9),
        investigated_at=uk(2026, 1, 9, 16),
        outcome=Outcome.EMERGENCY,
        further_work=True,
    )
    assert due(facts, DutyKind.MAKE_SAFE) == uk(2026, 1, 10, 16)
    assert due(facts, DutyKind.PREVENTATIVE_STEPS) == end_of(2026, 1, 16)


def test_no_hazard_found_leaves_only_the_summary() -> None:
    facts = significant(
        aware_at=uk(2026, 2, 2, 9), investigated_at=uk(2026, 2, 4, 9), outcome=Outcome.NO_HAZARD
    )
    kinds = [duty.kind for duty in case_duties(facts, uk(2026, 2, 4, 10))]
    assert kinds == [DutyKind.INVESTIGATE, DutyKind.WRITTEN_SUMMARY]


def test_before_the_investigation_later_duties_wait_and_say_what_starts_them() -> None:
    facts = significant(aware_at=uk(2026, 2, 2, 9))
    duties = case_duties(facts, uk(2026, 2, 3, 9))
    waiting = [duty for duty in duties if duty.status is DutyStatus.WAITING]
    assert [duty.kind for duty in waiting] == [
        DutyKind.MAKE_SAFE,
        DutyKind.WRITTEN_SUMMARY,
        DutyKind.PREVENTATIVE_STEPS,
        DutyKind.PREVENTATIVE_START,
    ]
    assert all(duty.starts and duty.due_by is None for duty in waiting)


# Status, next duty, overdue, alternative accommodation, closing.


def test_status_moves_from_due_to_overdue_at_the_deadline_and_met_counts_the_time() -> None:
    facts = significant(aware_at=uk(2025, 12, 18, 10))
    deadline = end_of(2026, 1, 6)
    before = case_duties(facts, deadline)[0]
    after = case_duties(facts, deadline + timedelta(microseconds=1))[0]
    assert (before.status, after.status) == (DutyStatus.DUE, DutyStatus.OVERDUE)
    late = significant(
        aware_at=facts.aware_at, investigated_at=uk(2026, 1, 7, 9), outcome=Outcome.NO_HAZARD
    )
    on_time = significant(
        aware_at=facts.aware_at, investigated_at=uk(2026, 1, 6, 23), outcome=Outcome.NO_HAZARD
    )
    assert case_duties(late, uk(2026, 1, 8))[0].status is DutyStatus.MET_LATE
    assert case_duties(on_time, uk(2026, 1, 8))[0].status is DutyStatus.MET


def test_next_duty_is_the_earliest_open_deadline_and_overdue_lists_the_missed() -> None:
    facts = significant(
        aware_at=uk(2025, 12, 18, 10),
        investigated_at=uk(2026, 1, 6, 15),
        outcome=Outcome.SIGNIFICANT,
        further_work=True,
    )
    duties = case_duties(facts, uk(2026, 1, 12, 9))
    upcoming = next_duty(duties)
    assert upcoming is not None and upcoming.kind is DutyKind.WRITTEN_SUMMARY
    assert upcoming.status is DutyStatus.OVERDUE  # due Fri 9 Jan
    assert [duty.kind for duty in overdue(duties)] == [DutyKind.WRITTEN_SUMMARY]
    sent = significant(**{**vars(facts), "summary_sent_at": uk(2026, 1, 8, 12)})
    upcoming = next_duty(case_duties(sent, uk(2026, 1, 12, 9)))
    assert upcoming is not None and upcoming.kind is DutyKind.MAKE_SAFE


def test_taking_steps_or_starting_meets_the_five_day_further_work_duty() -> None:
    base = significant(
        aware_at=uk(2026, 1, 5, 9),
        investigated_at=uk(2026, 1, 6, 15),
        outcome=Outcome.SIGNIFICANT,
        further_work=True,
    )
    started = significant(**{**vars(base), "preventative_started_at": uk(2026, 1, 12, 9)})
    duties = {duty.kind: duty for duty in case_duties(started, uk(2026, 1, 20))}
    assert duties[DutyKind.PREVENTATIVE_STEPS].status is DutyStatus.MET
    assert duties[DutyKind.PREVENTATIVE_START].status is DutyStatus.MET


def test_safety_work_that_cannot_be_done_in_time_needs_an_offer_of_somewhere_to_stay() -> None:
    base = significant(
        aware_at=uk(2026, 1, 5, 9),
        investigated_at=uk(2026, 1, 6, 15),
        outcome=Outcome.SIGNIFICANT,
        further_work=False,
    )
    assert DutyKind.ALTERNATIVE_ACCOMMODATION not in {
        duty.kind for duty in case_duties(base, uk(2026, 1, 7))
    }
    # Recorded as impossible on Wed 7 Jan: the offer is due with the safety work, Tue 13 Jan.
    stuck = significant(**{**vars(base), "cannot_make_safe_at": uk(2026, 1, 7, 10)})
    duties = {duty.kind: duty for duty in case_duties(stuck, uk(2026, 1, 8))}
    offer = duties[DutyKind.ALTERNATIVE_ACCOMMODATION]
    assert offer.status is DutyStatus.DUE and offer.due_by == end_of(2026, 1, 13)
    # Missing the safety deadline alone also calls for the offer, overdue at once.
    late = {duty.kind: duty for duty in case_duties(base, uk(2026, 1, 14, 9))}
    assert late[DutyKind.MAKE_SAFE].status is DutyStatus.OVERDUE
    assert late[DutyKind.ALTERNATIVE_ACCOMMODATION].status is DutyStatus.OVERDUE
    offered = significant(**{**vars(stuck), "accommodation_offered_at": uk(2026, 1, 9, 10)})
    duties = {duty.kind: duty for duty in case_duties(offered, uk(2026, 1, 14))}
    assert duties[DutyKind.ALTERNATIVE_ACCOMMODATION].status is DutyStatus.MET


def test_a_closed_case_leaves_its_undone_duties_unmet_never_overdue() -> None:
    facts = significant(aware_at=uk(2026, 1, 5, 9), closed_at=uk(2026, 1, 6, 9))
    duties = case_duties(facts, uk(2026, 3, 1))
    assert duties[0].status is DutyStatus.UNMET
    assert overdue(duties) == [] and next_duty(duties) is None


def test_naive_times_and_an_investigation_without_outcome_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        significant(aware_at=datetime(2026, 1, 5, 9))
    with pytest.raises(ValueError, match="outcome"):
        significant(aware_at=uk(2026, 1, 5), investigated_at=uk(2026, 1, 6))
    with pytest.raises(ValueError, match="timezone-aware"):
        case_duties(significant(aware_at=uk(2026, 1, 5)), datetime(2026, 1, 6))
