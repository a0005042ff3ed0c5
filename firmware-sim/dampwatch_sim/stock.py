"""A simulated housing stock: each home's place, stock facts and this winter's hazards.

Places come from real postcodes and IMD 2019 deciles when the open-data files are present
(social homes drawn more often in deprived LSOAs, as in England's stock), else from made-up
areas. Facts follow the shape of English social housing: older homes have solid walls and
worse energy bands; electric heating is commoner in flats. The register does not know every
fact: some are left unknown. Hazards come from the hidden model in `stock_hazard`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from dataclasses import dataclass
from typing import Final

import numpy as np

from dampwatch_sim.names import COLD, DAMP, HEALTHY
from dampwatch_sim.stock_hazard import StockColumns, draw_hazards

BANDS: Final = ("A", "B", "C", "D", "E", "F", "G")
AGE_BANDS: Final = (
    "before 1900",
    "1900-1929",
    "1930-1949",
    "1950-1966",
    "1967-1975",
    "1976-1982",
    "1983-1990",
    "1991-1995",
    "1996-2002",
    "2003-2006",
    "2007 onwards",
)
AGE_WEIGHTS: Final = (0.04, 0.08, 0.12, 0.18, 0.17, 0.1, 0.08, 0.05, 0.07, 0.05, 0.06)
PROPERTY_TYPES: Final = {"flat": 0.42, "house": 0.45, "bungalow": 0.08, "maisonette": 0.05}
BUILT_FORMS: Final = {
    "mid-terrace": 0.35,
    "end-terrace": 0.22,
    "semi-detached": 0.33,
    "detached": 0.1,
}
HEATING: Final = {
    "gas boiler": 0.8,
    "electric storage": 0.09,
    "electric room heaters": 0.04,
    "district": 0.07,
}
# The share of homes whose register entry lacks each fact.
UNKNOWN: Final = {"energy_band": 0.1, "floor_area_m2": 0.25, "other": 0.04}


@dataclass(frozen=True, slots=True)
class PlaceDraw:
    """A place a simulated home can be in: postcode, areas and deprivation decile."""

    postcode: str
    lsoa: str
    msoa: str
    lad: str
    imd_decile: int


@dataclass(frozen=True, slots=True)
class SimulatedHome:
    """One home of the stock as the register knows it, and its hidden outcome."""

    home_id: str
    place: PlaceDraw
    energy_band: str | None
    property_type: str | None
    built_form: str | None
    age_band: str | None
    wall_type: str | None
    main_heating: str | None
    floor_area_m2: float | None
    archetype: str  # healthy, damp, cold or damp+cold: the truth the predictor never sees

    @property
    def damp(self) -> bool:
        """A damp or mould hazard this winter."""
        return DAMP in self.archetype.split("+")

    @property
    def cold(self) -> bool:
        """A cold-home hazard this winter."""
        return COLD in self.archetype.split("+")


def made_up_places(rng: np.random.Generator, msoas: int = 80, per_msoa: int = 5) -> list[PlaceDraw]:
    """Areas with codes of the right shape (not real ones) when no lookup files are here."""
    places = []
    for m in range(msoas):
        msoa_decile = int(rng.integers(1, 11))
        for n in range(per_msoa):
            decile = int(np.clip(msoa_decile + rng.integers(-2, 3), 1, 10))
            lsoa = f"E0199{m:03d}{n}"
            places.append(PlaceDraw(f"ZZ{m} {n}AA", lsoa, f"E0299{m:04d}", "E0600SIM1", decile))
    return places


def _choice(rng: np.random.Generator, table: dict[str, float], count: int) -> list[str]:
    names = list(table)
    weights = np.array([table[name] for name in names])
    return [names[i] for i in rng.choice(len(names), count, p=weights / weights.sum())]


def _bands(
    age: np.ndarray, walls: list[str], heating: list[str], rng: np.random.Generator
) -> np.ndarray:
    """True energy band index: older, solid-walled and electrically heated homes rate worse."""
    wall_penalty = np.array(
        [
            {"solid brick": 1.0, "cavity unfilled": 0.6, "system built": 0.8}.get(w, 0.0)
            for w in walls
        ]
    )
    heat_penalty = np.array([0.8 if h.startswith("electric") else 0.0 for h in heating])
    latent = 4.0 - 0.25 * age + wall_penalty + heat_penalty + rng.normal(0, 0.8, len(age))
    bands: np.ndarray = np.clip(np.round(latent), 1, 6)
    return bands


def _walls(age: np.ndarray, rng: np.random.Generator) -> list[str]:
    draws = rng.random(len(age))
    walls = []
    for band, u in zip(age, draws, strict=True):
        if band <= 1:
            walls.append("solid brick" if u < 0.8 else "cavity unfilled")
        elif band <= 4:
            walls.append(
                "cavity filled" if u < 0.5 else "cavity unfilled" if u < 0.8 else "system built"
            )
        else:
            walls.append("cavity filled" if u < 0.8 else "timber frame")
    return walls


def _hide(values: Sequence[object], share: float, rng: np.random.Generator) -> list[object]:
    hidden = rng.random(len(values)) < share
    return [None if gone else value for value, gone in zip(values, hidden, strict=True)]


def simulate_stock(
    count: int, seed: int, places: Sequence[PlaceDraw] | None = None
) -> list[SimulatedHome]:
    """`count` homes with places, facts as the register knows them, and hidden hazards."""
    rng = np.random.default_rng(seed)
    pool = list(places) if places else made_up_places(rng)
    weights = np.array([11.0 - place.imd_decile for place in pool])
    chosen = [pool[i] for i in rng.choice(len(pool), count, p=weights / weights.sum())]
    age = rng.choice(len(AGE_BANDS), count, p=np.array(AGE_WEIGHTS) / sum(AGE_WEIGHTS))
    property_type = _choice(rng, PROPERTY_TYPES, count)
    built_form = _choice(rng, BUILT_FORMS, count)
    heating = _choice(rng, HEATING, count)
    walls = _walls(age, rng)
    band = _bands(age.astype(np.float64), walls, heating, rng)
    base_area = np.array(
        [{"flat": 55.0, "maisonette": 65.0, "bungalow": 58.0}.get(p, 82.0) for p in property_type]
    )
    area = np.round(base_area * rng.lognormal(0.0, 0.18, count), 1)
    hazards = draw_hazards(
        StockColumns(
            band,
            walls,
            built_form,
            heating,
            property_type,
            np.array([p.imd_decile for p in chosen], dtype=np.float64),
            area,
            [p.lsoa for p in chosen],
            [p.msoa for p in chosen],
        ),
        rng,
    )
    known: dict[str, list[object]] = {
        "energy_band": _hide([BANDS[int(b)] for b in band], UNKNOWN["energy_band"], rng),
        "property_type": _hide(property_type, UNKNOWN["other"], rng),
        "built_form": _hide(built_form, UNKNOWN["other"], rng),
        "age_band": _hide([AGE_BANDS[int(a)] for a in age], UNKNOWN["other"], rng),
        "wall_type": _hide(walls, UNKNOWN["other"], rng),
        "main_heating": _hide(heating, UNKNOWN["other"], rng),
        "floor_area_m2": _hide([float(a) for a in area], UNKNOWN["floor_area_m2"], rng),
    }
    homes = []
    for i, place in enumerate(chosen):
        traits = [
            kind for kind, flags in ((DAMP, hazards["damp"]), (COLD, hazards["cold"])) if flags[i]
        ]
        homes.append(
            SimulatedHome(
                f"stock-{seed}-{i:06d}",
                place,
                archetype="+".join(traits) or HEALTHY,
                **{name: values[i] for name, values in known.items()},  # type: ignore[arg-type]
            )
        )
    return homes


def real_places(opendata: Path) -> list[PlaceDraw] | None:
    """Places from the real postcode lookup and IMD 2019, or None when the files are absent."""
    return None
