"""A home's top reasons in plain words, from each feature's contribution to its risk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from dampwatch.prediction.features import AREA_RATE, COLUMNS, FloatArray, value_in_words

LABELS: Final = {
    "energy_band": "energy band",
    "age_band": "built",
    "property_type": "property type",
    "built_form": "built form",
    "wall_type": "walls",
    "main_heating": "heating",
    "floor_area_m2": "floor area",
    "imd_decile": "deprivation decile",
}
HAZARD_WORDS: Final = {"damp": "damp or mouldy", "cold": "cold"}
# Contributions smaller than this (log-odds) change the risk too little to be worth a reason.
NEGLIGIBLE = 0.02


@dataclass(frozen=True, slots=True)
class Reason:
    """One feature's part in a home's risk: positive raises it, negative lowers it."""

    feature: str
    value: str | None
    contribution: float
    text: str


def fact_words(feature: str, value: str | None) -> str:
    """The fact itself: 'energy band F', 'floor area not known', 'its area (9 % of homes)'."""
    if feature == AREA_RATE:
        return f"its area (an estimated {value} of homes there)" if value else "its area"
    label = LABELS.get(feature, feature.replace("_", " "))
    if value is None:
        return f"{label} not known"
    if feature == "floor_area_m2":
        value = f"{float(value):.0f} m²"
    elif feature == "imd_decile":
        value = f"{value} (1 is the most deprived tenth of England)"
    return f"{label} {value}"


def describe(feature: str, value: str | None, contribution: float, kind: str) -> str:
    """'energy band F: homes like this are more often damp or mouldy'."""
    hazard = HAZARD_WORDS.get(kind, kind)
    direction = "more" if contribution > 0 else "less"
    if feature == AREA_RATE:
        share = f" (an estimated {value} of homes there)" if value else ""
        return f"area: monitored homes nearby were {direction} often {hazard}{share}"
    return f"{fact_words(feature, value)}: homes like this are {direction} often {hazard}"


def reasons(
    features: FloatArray, contributions: FloatArray, kind: str, top: int = 3
) -> list[Reason]:
    """The `top` features that raised one home's risk most (those that lowered it if none did)."""
    order = np.argsort(-contributions, kind="stable")
    chosen = [i for i in order if contributions[i] > NEGLIGIBLE][:top]
    if not chosen:
        chosen = [i for i in order[::-1] if contributions[i] < -NEGLIGIBLE][:top]
    result = []
    for index in chosen:
        feature = COLUMNS[index]
        if feature == AREA_RATE:
            value = f"{features[index]:.0%}" if np.isfinite(features[index]) else None
        else:
            value = value_in_words(feature, float(features[index]))
        contribution = float(contributions[index])
        result.append(
            Reason(feature, value, contribution, describe(feature, value, contribution, kind))
        )
    return result
