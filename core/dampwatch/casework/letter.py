"""The written summary to the tenant, in plain English: what was found, what will be done, by when.

The letter is built from the case's facts and duties as plain text: headings, paragraphs and
list items. Whatever renders it (a PDF, a web page) treats every piece as text, never markup,
because the investigator's findings and plans are typed by people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Final

from dampwatch.casework.duties import Cause, Duty, DutyKind, DutyStatus, Outcome
from dampwatch.statutory import UK_TIMEZONE

TITLE: Final = "What we found when we looked into damp and mould in your home"
END_OF_DAY: Final = time(23, 59, 59, 999_999)
OUTCOME_WORDS: Final = {
    Outcome.NO_HAZARD: "We did not find damp or mould that puts your health or safety at risk.",
    Outcome.SIGNIFICANT: (
        "We found damp or mould that is a significant risk to the health or safety of the "
        "people living in your home. The law says we must put it right quickly."
    ),
    Outcome.EMERGENCY: (
        "We found a hazard that is an immediate risk to the health or safety of the people "
        "living in your home. The law says we must make your home safe within 24 hours."
    ),
}
CAUSE_WORDS: Final = {
    Cause.BUILDING: "The main cause is a fault in the building, such as water getting in or "
    "walls that are too cold.",
    Cause.VENTILATION: "The main cause is ventilation that is missing, broken or not enough "
    "to take damp air out of your home.",
    Cause.HEATING: "The main cause is heating that is broken or cannot keep your home warm enough.",
    Cause.USE: "The main cause is the moisture that everyday living adds to the air, such as "
    "cooking, washing and drying clothes, which your home cannot clear well enough. This is "
    "not your fault, and we will help put it right.",
    Cause.MIXED: "There is more than one cause, in the building and in how damp air leaves "
    "your home.",
    Cause.UNDETERMINED: "We have not yet found the cause. We will keep looking into it.",
}
# (done, to do) sentences per duty the letter reports; {when} is the date or deadline.
PROMISES: Final = {
    DutyKind.MAKE_SAFE: (
        "We made your home safe on {when}.",
        "We will make your home safe {when}.",
    ),
    DutyKind.ALTERNATIVE_ACCOMMODATION: (
        "We offered you somewhere else to stay on {when}.",
        "We will offer you somewhere suitable to stay, at our cost, {when}.",
    ),
    DutyKind.PREVENTATIVE_STEPS: (
        "We started arranging the further work on {when}.",
        "We will start the further work, or start arranging it, {when}.",
    ),
    DutyKind.PREVENTATIVE_START: (
        "The further work started on {when}.",
        "The further work itself will start {when} at the latest.",
    ),
}


@dataclass(frozen=True)
class Section:
    """A heading with its paragraphs and list items, all plain text."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Letter:
    """The whole summary."""

    title: str
    reference: str
    address: str
    issued_on: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class LetterFacts:
    """What the letter says, gathered from the case."""

    reference: str
    address: str
    issued_at: datetime
    aware_at: datetime
    investigated_at: datetime
    investigator: str  # the person's name, or "" to say "We"
    outcome: Outcome
    duties: tuple[Duty, ...]
    contact: str
    sensor_findings: tuple[str, ...] = ()
    cause: Cause | None = None
    findings: str = ""
    work_planned: str = ""
    ombudsman: str = field(
        default="You can also contact the Housing Ombudsman Service: "
        "www.housing-ombudsman.org.uk, 0300 111 3000."
    )


def uk_day(moment: datetime) -> str:
    """'Tuesday 6 January 2026' in UK local time."""
    local = moment.astimezone(UK_TIMEZONE)
    return f"{local:%A} {local.day} {local:%B %Y}"


def uk_deadline(moment: datetime) -> str:
    """'by Tuesday 6 January 2026', or 'by 11:00 on Sunday 29 March 2026' within a day."""
    local = moment.astimezone(UK_TIMEZONE)
    if local.time() == END_OF_DAY:
        return f"by {uk_day(moment)}"
    return f"by {local:%H:%M} on {uk_day(moment)}"


def _why(facts: LetterFacts) -> Section:
    opening = (
        f"On {uk_day(facts.aware_at)} the sensors in your home showed a risk of damp and mould. "
        "Under Awaab's Law we must look into this and tell you what we found."
    )
    return Section("Why we looked into your home", (opening,), facts.sensor_findings)


def _found(facts: LetterFacts) -> Section:
    who = facts.investigator.strip() or "We"
    paragraphs = [
        f"{who} looked into it on {uk_day(facts.investigated_at)}.",
        OUTCOME_WORDS[facts.outcome],
    ]
    if facts.findings.strip():
        paragraphs.append(facts.findings.strip())
    if facts.cause is not None and facts.outcome is not Outcome.NO_HAZARD:
        paragraphs.append(CAUSE_WORDS[facts.cause])
    return Section("What we found", tuple(paragraphs))


def _promise(duty: Duty) -> str | None:
    if duty.kind not in PROMISES or duty.due_by is None:
        return None
    done, to_do = PROMISES[duty.kind]
    if duty.status in (DutyStatus.MET, DutyStatus.MET_LATE) and duty.done_at is not None:
        return done.format(when=uk_day(duty.done_at))
    if duty.open:
        return to_do.format(when=uk_deadline(duty.due_by))
    return None


def _plan(facts: LetterFacts) -> Section:
    if facts.outcome is Outcome.NO_HAZARD:
        return Section(
            "What happens next",
            (
                "No repair work is needed now. The sensors will keep watching the air in your "
                "home while you agree to them, and we will look again if they show damp.",
            ),
        )
    items = [text for duty in facts.duties if (text := _promise(duty)) is not None]
    items.append(
        "If we cannot make your home safe in time, we will offer you somewhere suitable to "
        "stay, at our cost, until it is safe."
    )
    paragraphs = (facts.work_planned.strip(),) if facts.work_planned.strip() else ()
    return Section("What we will do, and by when", paragraphs, tuple(items))


def written_summary(facts: LetterFacts) -> Letter:
    """The tenant's written summary of the investigation."""
    sections = (
        _why(facts),
        _found(facts),
        _plan(facts),
        Section(
            "If something changes, or you are not happy",
            (
                f"Tell us straight away if you see mould, water coming in, or if your heating "
                f"breaks: {facts.contact}.",
                "If you are not happy with what we found or what we are doing, you can make a "
                f"complaint to us. {facts.ombudsman}",
            ),
        ),
    )
    return Letter(TITLE, facts.reference, facts.address, uk_day(facts.issued_at), sections)
