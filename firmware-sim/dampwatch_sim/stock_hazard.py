"""The simulator's hidden model: how a home's stock facts and place raise its hazards.

Only the simulator reads this module. The predictor sees the facts, never these weights
(import-linter keeps `dampwatch.prediction` and the API off `dampwatch_sim`, and a test keeps
the benchmark's predictor calls on facts alone), so the benchmark measures how much of a hidden
structure the model recovers from noisy outcomes, as it would have to in a real stock.

Each hazard is a Bernoulli draw with log-odds

    base + Σ fact effects + one interaction + LSOA effect + MSOA effect + home noise

- fact effects (log-odds): worse energy band (per band from D), solid or system-built walls,
  exposed built forms, electric heating, deprivation (fuel poverty and crowding), floor area;
  the signs follow the building physics (heat loss, cold surfaces) and the English Housing
  Survey's pattern (damp and cold more common in older, less efficient, deprived homes);
- an interaction the additive stumps cannot represent exactly (solid walls with electric
  heating: cold walls and expensive heat together are damper than either alone);
- area effects drawn once per LSOA (sd 0.35) and MSOA (sd 0.25): what neighbours share that
  no fact records (landlord's repair record, exposure, the estate's build);
- home noise (sd 0.9): how people live there (drying clothes, ventilation, heating habits).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

BASE: Final = {"damp": -4.0, "cold": -3.9}
PER_BAND: Final = {"damp": 0.55, "cold": 0.7}  # log-odds per band worse than D
WALLS: Final = {
    "damp": {"solid brick": 0.9, "system built": 0.7, "cavity uninsulated": 0.45},
    "cold": {"solid brick": 0.3, "system built": 0.25, "cavity uninsulated": 0.15},
}
FORMS: Final = {
    "damp": {"end-terrace": 0.2, "detached": 0.15},
    "cold": {"detached": 0.35, "end-terrace": 0.2, "mid-terrace": -0.15},
}
HEATING: Final = {
    "damp": {"electric storage": 0.3, "electric direct": 0.45},
    "cold": {"electric storage": 0.6, "electric direct": 1.0, "district": -0.3},
}
PROPERTY: Final = {"damp": {"flat": 0.15, "maisonette": 0.1}, "cold": {"bungalow": 0.2}}
PER_DEPRIVATION_DECILE: Final = {"damp": 0.1, "cold": 0.12}  # per decile more deprived than 5.5
PER_SQUARE_METRE: Final = {"damp": -0.008, "cold": 0.006}  # crowding vs space to heat
INTERACTION: Final = {"damp": 0.5, "cold": 0.3}  # solid walls and electric heating together
LSOA_SD: Final = 0.4
MSOA_SD: Final = 0.35
HOME_SD: Final = 0.6


@dataclass(frozen=True, slots=True)
class StockColumns:
    """Stock facts of many homes as columns (None where unknown to the register)."""

    band_index: FloatArray  # 0 = A … 6 = G, the true band even when the register lacks it
    wall_type: list[str]
    built_form: list[str]
    main_heating: list[str]
    property_type: list[str]
    imd_decile: FloatArray
    floor_area_m2: FloatArray
    lsoa: list[str]
    msoa: list[str]


def _effects(values: list[str], table: Mapping[str, float]) -> FloatArray:
    return np.array([table.get(value, 0.0) for value in values])


def _area_effects(codes: list[str], sd: float, rng: np.random.Generator) -> FloatArray:
    unique = sorted(set(codes))
    drawn = dict(zip(unique, rng.normal(0.0, sd, len(unique)), strict=True))
    return np.array([drawn[code] for code in codes])


def log_odds(kind: str, stock: StockColumns, rng: np.random.Generator) -> FloatArray:
    """Each home's hidden log-odds of the hazard `kind` (damp or cold) this winter."""
    solid = np.array([wall == "solid brick" for wall in stock.wall_type])
    electric = np.array([heat.startswith("electric") for heat in stock.main_heating])
    total: FloatArray = (
        BASE[kind]
        + PER_BAND[kind] * (stock.band_index - 3)
        + _effects(stock.wall_type, WALLS[kind])
        + _effects(stock.built_form, FORMS[kind])
        + _effects(stock.main_heating, HEATING[kind])
        + _effects(stock.property_type, PROPERTY[kind])
        + PER_DEPRIVATION_DECILE[kind] * (5.5 - stock.imd_decile)
        + PER_SQUARE_METRE[kind] * (stock.floor_area_m2 - 70.0)
        + INTERACTION[kind] * (solid & electric)
        + _area_effects(stock.lsoa, LSOA_SD, rng)
        + _area_effects(stock.msoa, MSOA_SD, rng)
        + rng.normal(0.0, HOME_SD, len(stock.lsoa))
    )
    return total


def draw_hazards(stock: StockColumns, rng: np.random.Generator) -> dict[str, NDArray[np.bool_]]:
    """Whether each home has a damp and a cold hazard this winter (independent draws)."""
    return {
        kind: rng.random(len(stock.lsoa)) < 1.0 / (1.0 + np.exp(-log_odds(kind, stock, rng)))
        for kind in ("damp", "cold")
    }
