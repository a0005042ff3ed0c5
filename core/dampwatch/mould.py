"""The VTT mould growth model: a mould index 0–6 run hour by hour on surface temperature and RH.

Sources: Hukka, A. & Viitanen, H. (1999), "A mathematical model of mould growth on wooden
material", Wood Science and Technology 33, 475–485; Ojanen, T., Viitanen, H., Peuhkuri, R.,
Lähdesmäki, K., Vinha, J. & Salminen, K. (2010), "Mould growth modeling of building structures
using sensitivity classes of materials", Thermal Performance of the Exterior Envelopes of Whole
Buildings XI (ASHRAE/DOE/BTECC), which adds the sensitivity classes, the critical RH curve with a
class minimum, the k1/k2 coefficients and the material decline factor.

Mould index scale (Ojanen et al. 2010, Table 1): 0 no growth; 1 small amounts, microscopic;
2 several local colonies, microscopic; 3 visual findings, less than 10 % coverage; 4 visual,
10–50 %; 5 plenty of growth, over 50 %; 6 heavy and tight growth, about 100 %.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

MOULD_INDEX_MAX: Final = 6.0
# Growth happens only between these temperatures (Hukka & Viitanen 1999).
GROWTH_MIN_TEMPERATURE_C: Final = 0.0
GROWTH_MAX_TEMPERATURE_C: Final = 50.0
# Above this temperature the critical RH is the class minimum (Ojanen et al. 2010, eq. 2).
RH_CRIT_POLYNOMIAL_MAX_C: Final = 20.0
# Growth rate exponent for pine sapwood, sawn surface (W = 0, SQ = 0, Hukka & Viitanen 1999 eq. 3),
# with the rate expressed per day (the factor 7 turns the fitted weekly time scale into days).
RATE_LN_T: Final = -0.68
RATE_LN_RH: Final = -13.9
RATE_CONSTANT: Final = 66.02
RATE_DAYS_FACTOR: Final = 7.0
HOURS_PER_DAY: Final = 24.0
# Decline in unfavourable conditions, index units per hour (Hukka & Viitanen 1999, eq. 9),
# by hours since conditions turned unfavourable: 0–6 h, 6–24 h, over 24 h.
DECLINE_FIRST_HOURS: Final = 6
DECLINE_PAUSE_HOURS: Final = 24
DECLINE_EARLY_PER_H: Final = -0.00133
DECLINE_LATE_PER_H: Final = -0.000667
# The k2 growth slowdown near the class maximum (Ojanen et al. 2010, eq. 6).
K2_STEEPNESS: Final = 2.3
# Relative decline of the index for the material (Ojanen et al. 2010: 1 for the pine reference,
# 0.1–1 for other materials). The middle of that range for painted plaster and board.
DEFAULT_MATERIAL_DECLINE_FACTOR: Final = 0.5


class Sensitivity(StrEnum):
    """Mould sensitivity classes of Ojanen et al. (2010)."""

    VERY_SENSITIVE = "very_sensitive"  # untreated wood, paper-coated products
    SENSITIVE = "sensitive"  # planed wood, paper-faced boards, wood-based boards
    MEDIUM_RESISTANT = "medium_resistant"  # cement- and plastic-based materials, mineral fibre
    RESISTANT = "resistant"  # glass, metal


@dataclass(frozen=True)
class ClassParameters:
    """Coefficients of one sensitivity class (Ojanen et al. 2010, Tables 2 and 3)."""

    k1_initial: float  # k1 while M < 1
    k1_established: float  # k1 once M ≥ 1
    a: float
    b: float
    c: float
    rh_min_pct: float


CLASS_PARAMETERS: Final[dict[Sensitivity, ClassParameters]] = {
    Sensitivity.VERY_SENSITIVE: ClassParameters(1.0, 2.0, 1.0, 7.0, 2.0, 80.0),
    Sensitivity.SENSITIVE: ClassParameters(0.578, 0.386, 0.3, 6.0, 1.0, 80.0),
    Sensitivity.MEDIUM_RESISTANT: ClassParameters(0.072, 0.097, 0.0, 5.0, 1.5, 85.0),
    Sensitivity.RESISTANT: ClassParameters(0.033, 0.014, 0.0, 3.0, 1.0, 85.0),
}
# Wall surfaces of dwellings: paint or paper on plaster or plasterboard.
DEFAULT_SENSITIVITY: Final = Sensitivity.SENSITIVE


def rh_critical_pct(temperature_c: float, sensitivity: Sensitivity = DEFAULT_SENSITIVITY) -> float:
    """Critical surface RH for growth: the polynomial below 20 °C, never under the class minimum."""
    rh_min = CLASS_PARAMETERS[sensitivity].rh_min_pct
    if temperature_c > RH_CRIT_POLYNOMIAL_MAX_C:
        return rh_min
    t = temperature_c
    polynomial = -0.00267 * t**3 + 0.160 * t**2 - 3.13 * t + 100.0
    return max(polynomial, rh_min)


def mould_index_max(
    humidity_pct: float, rh_crit_pct: float, sensitivity: Sensitivity = DEFAULT_SENSITIVITY
) -> float:
    """The highest index the conditions can reach (Ojanen et al. 2010, eq. 5)."""
    p = CLASS_PARAMETERS[sensitivity]
    x = (rh_crit_pct - humidity_pct) / (rh_crit_pct - 100.0)
    return p.a + p.b * x - p.c * x * x


def growth_rate_per_hour(
    temperature_c: float,
    humidity_pct: float,
    index: float,
    sensitivity: Sensitivity = DEFAULT_SENSITIVITY,
) -> float:
    """dM/dt in index units per hour in favourable conditions, 0 when growth is not possible."""
    rh_crit = rh_critical_pct(temperature_c, sensitivity)
    if not (GROWTH_MIN_TEMPERATURE_C < temperature_c < GROWTH_MAX_TEMPERATURE_C):
        return 0.0
    if humidity_pct < rh_crit or humidity_pct <= 0.0:
        return 0.0
    p = CLASS_PARAMETERS[sensitivity]
    k1 = p.k1_initial if index < 1.0 else p.k1_established
    k2 = max(
        1.0
        - math.exp(K2_STEEPNESS * (index - mould_index_max(humidity_pct, rh_crit, sensitivity))),
        0.0,
    )
    exponent = (
        RATE_LN_T * math.log(temperature_c) + RATE_LN_RH * math.log(humidity_pct) + RATE_CONSTANT
    )
    per_day = k1 * k2 / (RATE_DAYS_FACTOR * math.exp(exponent))
    return per_day / HOURS_PER_DAY


def decline_per_hour(
    dry_hours: int, material_factor: float = DEFAULT_MATERIAL_DECLINE_FACTOR
) -> float:
    """dM/dt (negative or zero) in the `dry_hours`-th hour of unfavourable conditions (1-based)."""
    if dry_hours <= DECLINE_FIRST_HOURS:
        rate = DECLINE_EARLY_PER_H
    elif dry_hours <= DECLINE_PAUSE_HOURS:
        rate = 0.0
    else:
        rate = DECLINE_LATE_PER_H
    return rate * material_factor


@dataclass(frozen=True)
class MouldState:
    """The model's memory between hours: the index and the hours of unfavourable conditions."""

    index: float = 0.0
    dry_hours: int = 0


def step(
    state: MouldState,
    temperature_c: float,
    humidity_pct: float,
    sensitivity: Sensitivity = DEFAULT_SENSITIVITY,
    material_factor: float = DEFAULT_MATERIAL_DECLINE_FACTOR,
) -> MouldState:
    """Advance one hour; NaN inputs (no data) leave the state unchanged."""
    if math.isnan(temperature_c) or math.isnan(humidity_pct):
        return state
    rate = growth_rate_per_hour(temperature_c, humidity_pct, state.index, sensitivity)
    favourable = humidity_pct >= rh_critical_pct(temperature_c, sensitivity) and (
        GROWTH_MIN_TEMPERATURE_C < temperature_c < GROWTH_MAX_TEMPERATURE_C
    )
    if favourable:
        return MouldState(min(state.index + rate, MOULD_INDEX_MAX), 0)
    dry_hours = state.dry_hours + 1
    index = max(state.index + decline_per_hour(dry_hours, material_factor), 0.0)
    return MouldState(index, dry_hours)


def run(
    hours: Iterable[tuple[float, float]],
    state: MouldState | None = None,
    sensitivity: Sensitivity = DEFAULT_SENSITIVITY,
    material_factor: float = DEFAULT_MATERIAL_DECLINE_FACTOR,
) -> list[float]:
    """The index after each hour of (surface temperature °C, surface RH %) pairs."""
    current = state or MouldState()
    indices: list[float] = []
    for temperature_c, humidity_pct in hours:
        current = step(current, temperature_c, humidity_pct, sensitivity, material_factor)
        indices.append(current.index)
    return indices
