"""The duties of a case under Awaab's Law and their deadlines, from the case's dated facts.

Source: The Hazards in Social Housing (Prescribed Requirements) (England) Regulations 2025
(SI 2025/1042, in force 27 October 2025), which prescribe the requirements that s.10A of the
Landlord and Tenant Act 1985 implies into social tenancies, read with MHCLG's guidance "Awaab's
Law: guidance for social landlords - timeframes for repairs in the social rented sector" (2025).
The requirements as they apply to one case:

- Emergency hazard: investigate, and carry out the relevant safety work, as soon as reasonably
  practicable and within 24 hours of becoming aware. Clock time: nights, weekends and bank
  holidays count, and a change of the clocks neither adds nor removes an hour.
- Potential significant hazard: investigate within 10 working days of becoming aware. The day
  of awareness is day 0 (the guidance's "day zero"); day 1 is the next working day.
- Every investigation: a written summary to the tenant within 3 working days of the
  investigation concluding.
- Significant hazard found: "undertake relevant safety work within 5 working days of the
  investigation concluding" (guidance). The law asks for the home to be made safe by then, not
  for the work merely to have begun. An emergency hazard found by an investigation: within 24
  hours of it concluding.
- Supplementary preventative work needed: begin it, or take steps to begin it, within 5 working
  days of the investigation concluding, and physically begin it within 12 weeks.
- Safety work that cannot be done in time: the landlord must offer suitable alternative
  accommodation until the home is safe, due when the safety work is.
- "All reasonable endeavours" (s.10A LTA 1985) is a defence to a breach, not a pause: the
  deadlines stand and the record of the endeavours is kept beside them.

Working days are Monday to Friday except England and Wales bank holidays (Christmas Day and
Good Friday among them), in UK local time (`dampwatch.statutory`); a working-day deadline is the
end of that day in Europe/London.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from dampwatch.statutory import (
    UK_TIMEZONE,
    HazardLevel,
    end_of_uk_day,
    working_days_deadline,
)

EMERGENCY_HOURS: Final = 24
SIGNIFICANT_INVESTIGATION_WORKING_DAYS: Final = 10
SUMMARY_WORKING_DAYS: Final = 3
SAFETY_WORK_WORKING_DAYS: Final = 5
PREVENTATIVE_STEPS_WORKING_DAYS: Final = 5
PREVENTATIVE_START_WEEKS: Final = 12


class Outcome(StrEnum):
    """What the investigation concluded."""

    EMERGENCY = "emergency"
    SIGNIFICANT = "significant"
    NO_HAZARD = "no_hazard"


class Cause(StrEnum):
    """What the investigator found behind the damp: the building, or how the home is used.

    The guidance is clear that damp and mould must not be put down to "lifestyle" by default;
    the record keeps the investigator's finding beside the sensors' evidence.
    """

    BUILDING = "building"  # the fabric: leaks, rising or penetrating damp, cold walls
    VENTILATION = "ventilation"  # fans or vents missing, broken or not enough
    HEATING = "heating"  # heating broken or unable to keep the home warm
    USE = "use"  # the moisture everyday living adds, beyond what the home can clear
    MIXED = "mixed"
    UNDETERMINED = "undetermined"


class DutyKind(StrEnum):
    """The statutory duties a case can carry, in the order they usually fall."""

    INVESTIGATE = "investigate"
    MAKE_SAFE = "make_safe"
    ALTERNATIVE_ACCOMMODATION = "alternative_accommodation"
    WRITTEN_SUMMARY = "written_summary"
    PREVENTATIVE_STEPS = "preventative_steps"
    PREVENTATIVE_START = "preventative_start"


class DutyStatus(StrEnum):
    """Where a duty stands."""

    WAITING = "waiting"  # its clock has not started (the summary before the investigation)
    DUE = "due"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"
    UNMET = "unmet"  # not done and no longer open: the case closed, or it is no longer needed


OPEN_STATUSES: Final = frozenset({DutyStatus.DUE, DutyStatus.OVERDUE})


@dataclass(frozen=True)
class DutyRule:
    """What a duty asks, in plain words, and where the law says so."""

    title: str
    requirement: str


RULES: Final[dict[DutyKind, DutyRule]] = {
    DutyKind.INVESTIGATE: DutyRule(
        "Investigate",
        "A competent person investigates: within 24 hours of becoming aware of an emergency "
        "hazard, within 10 working days of a potential significant hazard (SI 2025/1042).",
    ),
    DutyKind.MAKE_SAFE: DutyRule(
        "Make the home safe",
        "The relevant safety work is done: within 24 hours for an emergency hazard, within 5 "
        "working days of the investigation concluding for a significant hazard (SI 2025/1042).",
    ),
    DutyKind.ALTERNATIVE_ACCOMMODATION: DutyRule(
        "Offer somewhere safe to stay",
        "When the home cannot be made safe in time, suitable alternative accommodation is "
        "offered until it is safe (SI 2025/1042).",
    ),
    DutyKind.WRITTEN_SUMMARY: DutyRule(
        "Send the written summary",
        "The tenant gets a written summary of the investigation within 3 working days of it "
        "concluding (SI 2025/1042).",
    ),
    DutyKind.PREVENTATIVE_STEPS: DutyRule(
        "Begin the further work, or the steps to begin it",
        "Supplementary preventative work is begun, or steps taken to begin it, within 5 working "
        "days of the investigation concluding (SI 2025/1042).",
    ),
    DutyKind.PREVENTATIVE_START: DutyRule(
        "Physically start the further work",
        "Supplementary preventative work physically begins within 12 weeks of the "
        "investigation concluding (SI 2025/1042).",
    ),
}


@dataclass(frozen=True)
class Duty:
    """One duty of a case: its deadline (None while waiting), when it was met, its status."""

    kind: DutyKind
    status: DutyStatus
    due_by: datetime | None
    done_at: datetime | None = None
    starts: str = ""  # what starts the clock, while waiting

    @property
    def open(self) -> bool:
        """Due or overdue: something still has to be done."""
        return self.status in OPEN_STATUSES

    @property
    def title(self) -> str:
        """The duty in a few plain words."""
        return RULES[self.kind].title


@dataclass(frozen=True)
class CaseFacts:
    """The dated facts of a case under the statutory clock (timezone-aware datetimes)."""

    level: HazardLevel
    aware_at: datetime
    emergency_aware_at: datetime | None = None  # an emergency seen after a significant start
    investigated_at: datetime | None = None
    outcome: Outcome | None = None
    further_work: bool | None = None  # supplementary preventative work needed
    summary_sent_at: datetime | None = None
    made_safe_at: datetime | None = None
    cannot_make_safe_at: datetime | None = None
    accommodation_offered_at: datetime | None = None
    preventative_steps_at: datetime | None = None
    preventative_started_at: datetime | None = None
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, datetime) and value.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")
        if self.investigated_at is not None and self.outcome is None:
            raise ValueError("a concluded investigation needs its outcome")

    @property
    def emergency_since(self) -> datetime | None:
        """When the landlord became aware of an emergency hazard, if it did before investigating."""
        if self.level is HazardLevel.EMERGENCY:
            return self.aware_at
        return self.emergency_aware_at

    @property
    def hazard_found(self) -> bool:
        """The investigation found a hazard."""
        return self.outcome in (Outcome.EMERGENCY, Outcome.SIGNIFICANT)


def hours_after(moment: datetime, hours: int = EMERGENCY_HOURS) -> datetime:
    """`hours` of elapsed time after `moment`, in UTC (a clock change does not move it)."""
    return moment.astimezone(UTC) + timedelta(hours=hours)


def weeks_after(moment: datetime, weeks: int) -> datetime:
    """The end of the UK day `weeks` calendar weeks after the UK day of `moment`."""
    local_day = moment.astimezone(UK_TIMEZONE).date()
    return end_of_uk_day(local_day + timedelta(weeks=weeks))


def _judge(
    kind: DutyKind, due_by: datetime, done_at: datetime | None, facts: CaseFacts, now: datetime
) -> Duty:
    if done_at is not None:
        status = DutyStatus.MET if done_at <= due_by else DutyStatus.MET_LATE
    elif facts.closed_at is not None:
        status = DutyStatus.UNMET
    else:
        status = DutyStatus.OVERDUE if now > due_by else DutyStatus.DUE
    return Duty(kind, status, due_by, done_at)


def _waiting(kind: DutyKind, starts: str) -> Duty:
    return Duty(kind, DutyStatus.WAITING, None, starts=starts)


def _investigation(facts: CaseFacts, now: datetime) -> Duty:
    if facts.level is HazardLevel.EMERGENCY:
        due = hours_after(facts.aware_at)
    else:
        due = working_days_deadline(facts.aware_at, SIGNIFICANT_INVESTIGATION_WORKING_DAYS)
        if facts.emergency_aware_at is not None:
            due = min(due, hours_after(facts.emergency_aware_at))
    return _judge(DutyKind.INVESTIGATE, due, facts.investigated_at, facts, now)


def make_safe_deadline(facts: CaseFacts) -> datetime | None:
    """When the home must be safe, or None while no hazard calls for safety work."""
    emergency = facts.emergency_since
    if facts.investigated_at is None:
        return hours_after(emergency) if emergency is not None else None
    if facts.outcome is Outcome.EMERGENCY:
        return hours_after(emergency if emergency is not None else facts.investigated_at)
    if facts.outcome is Outcome.SIGNIFICANT:
        return working_days_deadline(facts.investigated_at, SAFETY_WORK_WORKING_DAYS)
    return None


def _safety(facts: CaseFacts, now: datetime) -> list[Duty]:
    due = make_safe_deadline(facts)
    if due is None:
        if facts.investigated_at is None:
            return [_waiting(DutyKind.MAKE_SAFE, "if the investigation finds a hazard")]
        return []
    made_safe = _judge(DutyKind.MAKE_SAFE, due, facts.made_safe_at, facts, now)
    needs_elsewhere = facts.cannot_make_safe_at is not None or made_safe.status in (
        DutyStatus.OVERDUE,
        DutyStatus.MET_LATE,
    )
    if not needs_elsewhere:
        return [made_safe]
    offered = facts.accommodation_offered_at
    elsewhere = _judge(DutyKind.ALTERNATIVE_ACCOMMODATION, due, offered, facts, now)
    if offered is None and facts.made_safe_at is not None:
        # The home is safe now: the offer is no longer needed, and was not made.
        elsewhere = Duty(elsewhere.kind, DutyStatus.UNMET, due)
    return [made_safe, elsewhere]


def _summary(facts: CaseFacts, now: datetime) -> Duty:
    if facts.investigated_at is None:
        return _waiting(DutyKind.WRITTEN_SUMMARY, "when the investigation concludes")
    due = working_days_deadline(facts.investigated_at, SUMMARY_WORKING_DAYS)
    return _judge(DutyKind.WRITTEN_SUMMARY, due, facts.summary_sent_at, facts, now)


def _preventative(facts: CaseFacts, now: datetime) -> list[Duty]:
    if facts.investigated_at is None:
        starts = "if the investigation finds further work is needed"
        return [
            _waiting(DutyKind.PREVENTATIVE_STEPS, starts),
            _waiting(DutyKind.PREVENTATIVE_START, starts),
        ]
    # Unrecorded (None) counts as needed: a missing answer must not hide a deadline.
    if not facts.hazard_found or facts.further_work is False:
        return []
    begun = [at for at in (facts.preventative_steps_at, facts.preventative_started_at) if at]
    steps_due = working_days_deadline(facts.investigated_at, PREVENTATIVE_STEPS_WORKING_DAYS)
    start_due = weeks_after(facts.investigated_at, PREVENTATIVE_START_WEEKS)
    return [
        _judge(DutyKind.PREVENTATIVE_STEPS, steps_due, min(begun, default=None), facts, now),
        _judge(DutyKind.PREVENTATIVE_START, start_due, facts.preventative_started_at, facts, now),
    ]


def case_duties(facts: CaseFacts, now: datetime) -> list[Duty]:
    """Every duty of the case at `now`, in the order they usually fall."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return [
        _investigation(facts, now),
        *_safety(facts, now),
        _summary(facts, now),
        *_preventative(facts, now),
    ]


def next_duty(duties: list[Duty]) -> Duty | None:
    """The open duty whose deadline comes first (overdue ones before all others)."""
    order = list(DutyKind)
    pending = [duty for duty in duties if duty.open and duty.due_by is not None]
    if not pending:
        return None
    return min(pending, key=lambda duty: (duty.due_by, order.index(duty.kind)))


def overdue(duties: list[Duty]) -> list[Duty]:
    """The duties past their deadline and not done."""
    return [duty for duty in duties if duty.status is DutyStatus.OVERDUE]
