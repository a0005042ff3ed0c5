"""Which flags start the clock (phase 1; phase 2 from its date), grouping, the tenant's letter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from dampwatch.assessment.kinds import AlertKind, Severity
from dampwatch.casework.duties import CaseFacts, Cause, Outcome, case_duties
from dampwatch.casework.letter import LetterFacts, uk_deadline, written_summary
from dampwatch.casework.scope import Clock, OpenCase, Placement, clock_level, place_flag
from dampwatch.statutory import HazardLevel

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 3, 2, 10, tzinfo=UTC)


def test_phase_one_clocks_damp_and_every_emergency_only() -> None:
    assert clock_level(AlertKind.MOULD_RISK, Severity.HIGH, AT, None) is HazardLevel.SIGNIFICANT
    assert clock_level(AlertKind.CONDENSATION_RISK, Severity.MEDIUM, AT, None) is None
    assert clock_level(AlertKind.COLD_HOME, Severity.HIGH, AT, None) is None
    assert clock_level(AlertKind.COLD_HOME, Severity.EMERGENCY, AT, None) is HazardLevel.EMERGENCY
    assert clock_level(AlertKind.DEVICE_OFFLINE, Severity.HIGH, AT, None) is None


def test_phase_two_starts_the_clock_for_cold_and_heat_from_its_uk_date() -> None:
    start = date(2026, 3, 2)
    assert clock_level(AlertKind.COLD_HOME, Severity.HIGH, AT, start) is HazardLevel.SIGNIFICANT
    assert clock_level(AlertKind.OVERHEATING, Severity.HIGH, AT, start) is HazardLevel.SIGNIFICANT
    assert clock_level(AlertKind.OVERHEATING, Severity.MEDIUM, AT, start) is None
    # 23:30 UTC on 1 Mar is still 1 Mar in London (GMT): before the phase begins.
    evening = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert clock_level(AlertKind.COLD_HOME, Severity.HIGH, evening, start) is None


def test_a_clock_only_gets_faster() -> None:
    clock = Clock().with_flag(None, AT)
    assert clock.level is None
    clock = clock.with_flag(HazardLevel.SIGNIFICANT, AT)
    later = datetime(2026, 3, 3, tzinfo=UTC)
    assert clock.with_flag(HazardLevel.SIGNIFICANT, later).aware_at == AT
    emergency = clock.with_flag(HazardLevel.EMERGENCY, later)
    assert emergency.level is HazardLevel.SIGNIFICANT and emergency.emergency_aware_at == later
    assert emergency.with_flag(HazardLevel.SIGNIFICANT, later) == emergency


def test_one_visit_not_seven_until_the_investigation_then_new_issues_get_new_cases() -> None:
    pending = OpenCase(1, investigated=False, covers=frozenset({("bathroom", "mould_risk")}))
    done = OpenCase(2, investigated=True, covers=frozenset({("bedroom", "mould_risk")}))
    significant, emergency = HazardLevel.SIGNIFICANT, HazardLevel.EMERGENCY
    high, low = Severity.HIGH, Severity.LOW
    assert place_flag([pending], "kitchen", AlertKind.COLD_HOME, low, None) == (
        Placement.JOIN,
        1,
    )
    assert place_flag([done], "bedroom", AlertKind.MOULD_RISK, high, significant) == (
        Placement.JOIN,
        2,
    )
    assert place_flag([done], "kitchen", AlertKind.MOULD_RISK, high, significant)[0] is (
        Placement.NEW
    )
    assert place_flag([done], "bedroom", AlertKind.MOULD_RISK, Severity.EMERGENCY, emergency)[
        0
    ] is (Placement.NEW)
    assert place_flag([], "kitchen", AlertKind.MOULD_RISK, Severity.MEDIUM, None)[0] is (
        Placement.NONE
    )
    assert place_flag([pending], "", AlertKind.BATTERY_LOW, high, None)[0] is Placement.NONE


def _letter_facts(outcome: Outcome, **extra: object) -> LetterFacts:
    aware = datetime(2026, 1, 5, 9, tzinfo=LONDON)
    investigated = datetime(2026, 1, 6, 15, tzinfo=LONDON)
    facts = CaseFacts(
        level=HazardLevel.SIGNIFICANT,
        aware_at=aware,
        investigated_at=investigated,
        outcome=outcome,
        further_work=True,
    )
    values: dict[str, object] = {
        "reference": "DW000007",
        "address": "1 North Rd, BS1 1AA",
        "issued_at": investigated,
        "aware_at": aware,
        "investigated_at": investigated,
        "investigator": "Sam Patel",
        "outcome": outcome,
        "duties": tuple(case_duties(facts, investigated)),
        "contact": "0117 000 0000",
    } | extra
    return LetterFacts(**values)  # type: ignore[arg-type]


def test_the_letter_says_what_was_found_what_will_be_done_and_by_when() -> None:
    letter = written_summary(
        _letter_facts(
            Outcome.SIGNIFICANT,
            cause=Cause.VENTILATION,
            findings="Black mould behind the wardrobe.",
            sensor_findings=("The bathroom wall was damp for 90 of 168 hours.",),
        )
    )
    text = "\n".join(
        [s.heading for s in letter.sections]
        + [p for s in letter.sections for p in (*s.paragraphs, *s.items)]
    )
    assert "Black mould behind the wardrobe." in text
    assert "significant risk" in text and "ventilation" in text
    assert "We will make your home safe by Tuesday 13 January 2026." in text
    assert "physically" not in text  # plain words, not the regulation's
    assert "by Tuesday 31 March 2026 at the latest" in text
    assert "Monday 5 January 2026" in text  # when the sensors flagged it
    assert letter.issued_on == "Tuesday 6 January 2026"


def test_no_hazard_letter_promises_no_work_and_a_24_hour_deadline_shows_the_time() -> None:
    letter = written_summary(_letter_facts(Outcome.NO_HAZARD, cause=Cause.BUILDING))
    words = " ".join(p for s in letter.sections for p in (*s.paragraphs, *s.items))
    assert "No repair work is needed now." in words
    assert "fault in the building" not in words  # no cause is given when nothing was found
    assert uk_deadline(datetime(2026, 3, 29, 10, tzinfo=UTC)) == "by 11:00 on Sunday 29 March 2026"
