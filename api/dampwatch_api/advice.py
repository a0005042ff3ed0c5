"""Plain words for tenants: how a room is now, what a flag means, what helps.

Tenants' words aim at a reading age of nine (short sentences, everyday words; the pages' tests
measure them); officers read the assessment's evidence and the kinds' titles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch.assessment.kinds import SEVERITY_RANK, AlertKind, Severity

COLD: Final = round(DEFAULT_CONFIG.cold_c)
VERY_COLD: Final = round(DEFAULT_CONFIG.very_cold_c)
HOT: Final = round(DEFAULT_CONFIG.overheating_c)
HUMID: Final = round(DEFAULT_CONFIG.room_rh_screen_pct)

# What officers call each kind (case headings, the report).
KIND_TITLES: Final[dict[str, str]] = {
    AlertKind.MOULD_RISK: "Mould risk",
    AlertKind.CONDENSATION_RISK: "Damp and condensation",
    AlertKind.COLD_HOME: "Cold home",
    AlertKind.OVERHEATING: "Overheating",
    AlertKind.DEVICE_OFFLINE: "Sensor offline",
    AlertKind.BATTERY_LOW: "Sensor battery low",
    AlertKind.SENSOR_FAULT: "Sensor fault",
}


@dataclass(frozen=True)
class FlagAdvice:
    """What a kind of flag means to a tenant and what they can do about it."""

    title: str
    meaning: str
    helps: tuple[str, ...]


ADVICE: Final[dict[str, FlagAdvice]] = {
    AlertKind.MOULD_RISK: FlagAdvice(
        "Mould could grow",
        "The walls have been damp for many days. Mould can grow on damp walls. "
        "Mould is bad for your health.",
        (
            "Open a window or turn on the fan after a bath, a shower or cooking.",
            "Dry clothes outside if you can.",
            "Keep beds and sofas a hand's width away from outside walls.",
            "Tell us if you see black spots or smell damp.",
        ),
    ),
    AlertKind.CONDENSATION_RISK: FlagAdvice(
        "Damp",
        "The air has been damp for days. Water can form on cold walls and windows.",
        (
            "Wipe the water off windows each morning.",
            "Open a window or turn on the fan after a bath, a shower or cooking.",
            "Keep the small vents at the top of the windows open.",
            "When it is cold, keep the heating on low, not off.",
        ),
    ),
    AlertKind.COLD_HOME: FlagAdvice(
        "Too cold",
        f"It has often been colder than {COLD} °C while you were at home. "
        "Being cold is bad for your health. It is worst for babies and older people.",
        (
            f"Heat the rooms you use to {COLD} °C or more if you can.",
            "Close the curtains when it gets dark.",
            "Keep doors shut to keep the heat in.",
            "If heating costs too much, call us. We can help.",
        ),
    ),
    AlertKind.OVERHEATING: FlagAdvice(
        "Too hot at night",
        f"The bedroom has often been hotter than {HOT} °C at night. "
        "That makes it hard to sleep. It can make you ill.",
        (
            "Close the curtains on sunny windows in the day.",
            "Open the windows at night if it is cooler outside and safe.",
            "Tell us. We may need to add shade or more air.",
        ),
    ),
    AlertKind.DEVICE_OFFLINE: FlagAdvice(
        "A sensor is not sending",
        "We have not had readings from a sensor for a while.",
        (
            "Check that the sensor is still in its place.",
            "Check that the hub is plugged in.",
            "We may call you to help.",
        ),
    ),
    AlertKind.BATTERY_LOW: FlagAdvice(
        "A sensor battery is low",
        "A sensor's battery is running low.",
        ("We will change it. You do not need to do anything.",),
    ),
    AlertKind.SENSOR_FAULT: FlagAdvice(
        "A sensor is being checked",
        "A sensor may not be reading the air right. We do not use its readings until it is fixed.",
        ("Keep it away from heaters, kettles and windows.", "We may come and change it."),
    ),
}


def advice_for(kind: str) -> FlagAdvice:
    """The advice for an alert kind (a general one for kinds this version does not know)."""
    return ADVICE.get(kind, FlagAdvice(kind_title(kind), "We are looking into this.", ()))


def kind_title(kind: str) -> str:
    """An officer's name for an alert kind."""
    return KIND_TITLES.get(kind, kind.replace("_", " ").capitalize())


@dataclass(frozen=True)
class RoomStatus:
    """A level (ok, watch, act, unknown) for styling, a title and a sentence for people."""

    level: str
    title: str
    text: str
    note: str = ""  # a second sentence, such as a sensor being checked


@dataclass(frozen=True)
class RoomFacts:
    """What the room's card is made from."""

    hazards: Mapping[str, str]  # open hazard kinds in the room and their severities
    sensor: str  # none, ok, offline, faulty, drifting
    temperature_c: float | None
    humidity_pct: float | None
    last_reading: datetime | None = None
    last_reading_day: str = ""  # "Tuesday 14 January"


HAZARD_ORDER: Final = (
    AlertKind.MOULD_RISK,
    AlertKind.CONDENSATION_RISK,
    AlertKind.COLD_HOME,
    AlertKind.OVERHEATING,
)


def _hazard_status(kind: str, severity: str) -> RoomStatus:
    if kind == AlertKind.MOULD_RISK:
        return RoomStatus(
            "act", "Mould could grow", "The walls here have been damp for a long time."
        )
    if kind == AlertKind.CONDENSATION_RISK:
        return RoomStatus("act", "Damp", "This room has been damp for days.")
    if kind == AlertKind.COLD_HOME and severity == Severity.EMERGENCY:
        return RoomStatus("act", "Very cold", "It has been below 12 °C here. Please call us today.")
    if kind == AlertKind.COLD_HOME:
        level = "act" if severity == Severity.HIGH else "watch"
        return RoomStatus(level, "Too cold", f"It has often been below {COLD} °C here.")
    return RoomStatus("watch", "Too hot at night", f"It has often been over {HOT} °C at night.")


def _sensor_note(facts: RoomFacts) -> str:
    if facts.sensor == "offline":
        since = f" since {facts.last_reading_day}" if facts.last_reading_day else ""
        return f"The sensor here has not sent readings{since}. Check that it is in place."
    if facts.sensor in ("faulty", "drifting"):
        return "The sensor here may be wrong. We are checking it."
    return ""


def _now_status(facts: RoomFacts) -> RoomStatus:
    temperature, humidity = facts.temperature_c, facts.humidity_pct
    if temperature is None and humidity is None:
        return RoomStatus("unknown", "No readings yet", "We have no readings from this room yet.")
    if facts.sensor != "drifting" and humidity is not None and humidity >= HUMID:
        return RoomStatus(
            "watch", "Humid now", "The air is damp now. Open a window or turn on the fan."
        )
    if temperature is not None and temperature < VERY_COLD:
        return RoomStatus("watch", "Cold now", "It is cold in here now. Heat it if you can.")
    if temperature is not None and temperature < COLD:
        return RoomStatus("watch", "A bit cool", "It is a little cool in here now.")
    if temperature is not None and temperature > HOT:
        return RoomStatus("watch", "Hot now", "It is hot in here now.")
    if facts.sensor == "drifting":  # the temperature is right; the humidity cannot be trusted
        return RoomStatus("unknown", "Warm enough", "We cannot tell how damp it is just now.")
    return RoomStatus("ok", "Fine", "Warm enough and not damp.")


def room_status(facts: RoomFacts) -> RoomStatus:
    """The room's card: its worst open flag, else its sensor's trouble, else how it is now."""
    if facts.hazards:
        kind = max(
            facts.hazards,
            key=lambda item: (
                SEVERITY_RANK.get(Severity(facts.hazards[item]), 0),
                -HAZARD_ORDER.index(AlertKind(item)) if item in HAZARD_ORDER else -99,
            ),
        )
        status = _hazard_status(kind, facts.hazards[kind])
        return RoomStatus(status.level, status.title, status.text, _sensor_note(facts))
    if facts.sensor == "none":
        return RoomStatus("unknown", "No sensor", "There is no sensor in this room.")
    if facts.sensor == "offline":
        return RoomStatus("unknown", "No readings", _sensor_note(facts))
    if facts.sensor == "faulty":
        return RoomStatus("unknown", "Sensor being checked", _sensor_note(facts))
    status = _now_status(facts)
    return RoomStatus(status.level, status.title, status.text, _sensor_note(facts))
