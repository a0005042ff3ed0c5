"""A simulated housing stock: each home's place, stock facts and this winter's hazards.

Places come from real postcodes and IMD 2019 deciles when the open-data files are present
(social homes drawn more often in deprived LSOAs, as in England's stock), else from made-up
areas. Facts follow the shape of English social housing: older homes have solid walls and
worse energy bands, and electric heating rates worse than gas. The register does not know
every fact: some are left unknown. Hazards come from the hidden model in `stock_hazard`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final, TypeVar

import numpy as np
from numpy.typing import NDArray

from dampwatch.deprivation import load_deprivation
from dampwatch.geography import GeographyLookup, Place
from dampwatch.stockfacts import (
    AgeBand,
    BuiltForm,
    EnergyBand,
    MainHeating,
    PropertyType,
    StockFacts,
    WallType,
)
from dampwatch_sim.names import COLD, DAMP, HEALTHY
from dampwatch_sim.stock_hazard import StockColumns, draw_hazards

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")
FloatArray = NDArray[np.float64]
Rng = np.random.Generator

AGE_WEIGHTS: Final = (0.04, 0.08, 0.12, 0.18, 0.17, 0.1, 0.08, 0.05, 0.07, 0.05, 0.04, 0.02)
PROPERTY_TYPES: Final = {
    PropertyType.FLAT: 0.42,
    PropertyType.HOUSE: 0.45,
    PropertyType.BUNGALOW: 0.08,
    PropertyType.MAISONETTE: 0.05,
}
BUILT_FORMS: Final = {
    BuiltForm.MID_TERRACE: 0.35,
    BuiltForm.END_TERRACE: 0.22,
    BuiltForm.SEMI_DETACHED: 0.33,
    BuiltForm.DETACHED: 0.1,
}
HEATING: Final = {
    MainHeating.GAS_BOILER: 0.8,
    MainHeating.ELECTRIC_STORAGE: 0.09,
    MainHeating.ELECTRIC_DIRECT: 0.04,
    MainHeating.DISTRICT: 0.07,
}
FLOOR_AREA: Final = {
    PropertyType.FLAT: 55.0,
    PropertyType.MAISONETTE: 65.0,
    PropertyType.BUNGALOW: 58.0,
}
# The share of homes whose register entry lacks each fact.
UNKNOWN: Final = {
    "energy_band": 0.1,
    "property_type": 0.04,
    "built_form": 0.04,
    "age_band": 0.04,
    "wall_type": 0.04,
    "main_heating": 0.04,
    "floor_area_m2": 0.25,
}
POSTCODE_LOOKUP: Final = "postcode_lsoa_lookup_lcr_bristol.csv"
DEPRIVATION: Final = "imd2019_lsoa11_england_domains.csv"


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

    place: PlaceDraw
    facts: StockFacts
    archetype: str  # healthy, damp, cold or damp+cold: the truth the predictor never sees

    @property
    def home_id(self) -> str:
        """The home's id."""
        return self.facts.home_id

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


def _choice(rng: np.random.Generator, table: Mapping[E, float], count: int) -> list[E]:
    names = list(table)
    weights = np.array([table[name] for name in names])
    return [names[i] for i in rng.choice(len(names), count, p=weights / weights.sum())]


def _bands(
    age: FloatArray, walls: list[WallType], heating: list[MainHeating], rng: Rng
) -> FloatArray:
    """True energy band index: older, solid-walled and electrically heated homes rate worse."""
    penalty = {
        WallType.SOLID_BRICK: 1.0,
        WallType.CAVITY_UNINSULATED: 0.6,
        WallType.SYSTEM_BUILT: 0.8,
    }
    wall_penalty = np.array([penalty.get(w, 0.0) for w in walls])
    heat_penalty = np.array([0.8 if h.startswith("electric") else 0.0 for h in heating])
    latent = 4.0 - 0.25 * age + wall_penalty + heat_penalty + rng.normal(0, 0.8, len(age))
    bands: FloatArray = np.clip(np.round(latent), 1, 6)
    return bands


def _walls(age: FloatArray, rng: Rng) -> list[WallType]:
    """Solid walls before 1930, cavities (filled or not) and system builds after."""
    walls = []
    for band, u in zip(age, rng.random(len(age)), strict=True):
        if band <= 1:
            walls.append(WallType.SOLID_BRICK if u < 0.8 else WallType.CAVITY_UNINSULATED)
        elif band <= 4:
            walls.append(
                WallType.CAVITY_INSULATED
                if u < 0.5
                else WallType.CAVITY_UNINSULATED
                if u < 0.8
                else WallType.SYSTEM_BUILT
            )
        else:
            walls.append(WallType.CAVITY_INSULATED if u < 0.8 else WallType.TIMBER_FRAME)
    return walls


def _known(value: T, hidden: bool) -> T | None:
    return None if hidden else value


def simulate_stock(
    count: int, seed: int, places: Sequence[PlaceDraw] | None = None
) -> list[SimulatedHome]:
    """`count` homes with places, facts as the register knows them, and hidden hazards."""
    rng = np.random.default_rng(seed)
    pool = list(places) if places else made_up_places(rng)
    weights = np.array([11.0 - place.imd_decile for place in pool])
    chosen = [pool[i] for i in rng.choice(len(pool), count, p=weights / weights.sum())]
    age = rng.choice(len(AgeBand), count, p=np.array(AGE_WEIGHTS) / sum(AGE_WEIGHTS)).astype(float)
    property_type = _choice(rng, PROPERTY_TYPES, count)
    built_form = _choice(rng, BUILT_FORMS, count)
    heating = _choice(rng, HEATING, count)
    walls = _walls(age, rng)
    band = _bands(age, walls, heating, rng)
    base_area = np.array([FLOOR_AREA.get(p, 82.0) for p in property_type])
    area = np.round(base_area * rng.lognormal(0.0, 0.18, count), 1)
    hazards = draw_hazards(
        StockColumns(
            band,
            [str(w) for w in walls],
            [str(f) for f in built_form],
            [str(h) for h in heating],
            [str(p) for p in property_type],
            np.array([p.imd_decile for p in chosen], dtype=np.float64),
            area,
            [p.lsoa for p in chosen],
            [p.msoa for p in chosen],
        ),
        rng,
    )
    hide = {fact: rng.random(count) < share for fact, share in UNKNOWN.items()}
    homes = []
    for i, place in enumerate(chosen):
        traits = [k for k, flags in ((DAMP, hazards["damp"]), (COLD, hazards["cold"])) if flags[i]]
        facts = StockFacts(
            f"stock-{seed}-{i:06d}",
            energy_band=_known(tuple(EnergyBand)[int(band[i])], hide["energy_band"][i]),
            property_type=_known(property_type[i], hide["property_type"][i]),
            built_form=_known(built_form[i], hide["built_form"][i]),
            age_band=_known(tuple(AgeBand)[int(age[i])], hide["age_band"][i]),
            wall_type=_known(walls[i], hide["wall_type"][i]),
            main_heating=_known(heating[i], hide["main_heating"][i]),
            floor_area_m2=_known(float(area[i]), hide["floor_area_m2"][i]),
        )
        homes.append(SimulatedHome(place, facts, "+".join(traits) or HEALTHY))
    return homes


def real_places(opendata: Path) -> list[PlaceDraw] | None:
    """Places from the real postcode lookup and IMD 2019, or None when the files are absent."""
    lookup_file = opendata / POSTCODE_LOOKUP
    deprivation_file = opendata / DEPRIVATION
    if not (lookup_file.is_file() and deprivation_file.is_file()):
        return None
    lookup = GeographyLookup.load(lookup_file)
    deprivation = load_deprivation(deprivation_file)
    places = []
    for postcode in lookup.postcodes():
        place = lookup.resolve(postcode)
        if isinstance(place, Place) and place.lsoa in deprivation:
            decile = deprivation[place.lsoa].imd_decile
            places.append(PlaceDraw(postcode, place.lsoa, place.msoa, place.lad, decile))
    return places or None
