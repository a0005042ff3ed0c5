"""Plain words for tenants: how a room is now, what a flag means, and what helps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch.assessment.kinds import AlertKind


@dataclass(frozen=True)
class RoomStatus:
    """A one-word level (ok, watch, act) for styling and a sentence for people."""

    level: str
    text: str


@dataclass(frozen=True)
class FlagAdvice:
    """What a kind of flag means and what the tenant can do about it."""

    title: str
    meaning: str
    helps: tuple[str, ...]


ADVICE: Final[dict[str, FlagAdvice]] = {
    AlertKind.MOULD_RISK: FlagAdvice(
        "Mould risk",
        "Walls or corners in this room have stayed damp long enough for mould to start growing.",
        (
            "Open a window or use the extractor fan for 20 minutes after showers and cooking.",
            "Dry clothes outside or in a tumble dryer that vents outside.",
            "Keep furniture a hand's width away from outside walls.",
            "Tell us if you see black spots or smell damp: we will arrange a visit.",
        ),
    ),
    AlertKind.CONDENSATION_RISK: FlagAdvice(
        "Condensation risk",
        "The air is moist enough that water is likely to form on cold walls and windows.",
        (
            "Wipe water off windows and sills in the morning.",
            "Ventilate after showers, baths and cooking; keep trickle vents open.",
            "Dry clothes outside where you can.",
            "Keep the heating on low rather than off in cold weather.",
        ),
    ),
    AlertKind.COLD_HOME: FlagAdvice(
        "Cold home",
        f"This room has often been below {DEFAULT_CONFIG.cold_c:.0f} °C while people are at home, "
        "which is bad for health, especially for older people and children.",
        (
            f"Heat the rooms you use to {DEFAULT_CONFIG.cold_c:.0f} °C if you can.",
            "Close curtains at dusk and keep doors of heated rooms shut.",
            "If heating is hard to afford, contact us: we can help with grants and checks.",
        ),
    ),
    AlertKind.OVERHEATING: FlagAdvice(
        "Overheating",
        f"This room has often been above {DEFAULT_CONFIG.overheating_c:.0f} °C at night, which "
        "makes sleep difficult and can harm health.",
        (
            "Close curtains or blinds on sunny windows during the day.",
            "Open windows at night when it is cooler outside, if it is safe to.",
            "Tell us: shading or ventilation may need improving.",
        ),
    ),
    AlertKind.DEVICE_OFFLINE: FlagAdvice(
        "Sensor not reporting",
        "We have not heard from one of your sensors for a while.",
        ("Check the sensor is in place and the hub is plugged in; we may call to help.",),
    ),
    AlertKind.BATTERY_LOW: FlagAdvice(
        "Sensor battery low",
        "A sensor's battery is running low.",
        ("We will replace it at our next visit; you do not need to do anything.",),
    ),
    AlertKind.SENSOR_FAULT: FlagAdvice(
        "Sensor fault",
        "A sensor is giving readings that cannot be right.",
        ("Make sure it is not next to a radiator, kettle or window; we may replace it.",),
    ),
}


def advice_for(kind: str) -> FlagAdvice:
    """The advice for an alert kind (a generic one for kinds this version does not know)."""
    return ADVICE.get(
        kind,
        FlagAdvice(kind.replace("_", " ").capitalize(), "We are looking into this.", ()),
    )


def room_status(
    temperature_c: float | None, humidity_pct: float | None, open_kinds: set[str]
) -> RoomStatus:
    """How the room is now, in words, from its newest hourly mean and its open flags."""
    if AlertKind.MOULD_RISK in open_kinds or AlertKind.CONDENSATION_RISK in open_kinds:
        return RoomStatus("act", "Damp: we have flagged this room and will be in touch.")
    if temperature_c is None or humidity_pct is None:
        return RoomStatus("unknown", "No recent readings from this room.")
    if humidity_pct >= DEFAULT_CONFIG.room_rh_screen_pct:
        return RoomStatus("watch", "Humid: open a window or use the fan for a while.")
    if temperature_c < DEFAULT_CONFIG.very_cold_c:
        return RoomStatus("act", "Cold: below 16 °C, heat this room if you can.")
    if temperature_c < DEFAULT_CONFIG.cold_c:
        return RoomStatus("watch", "Cool: a little below the healthy 18 °C.")
    if temperature_c > DEFAULT_CONFIG.overheating_c:
        return RoomStatus("watch", "Hot: above 26 °C, shade windows and ventilate.")
    return RoomStatus("ok", "Comfortable: warm enough and not damp.")
