"""A simulated region of monitored homes over real postcodes, with the truth known per home."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from dampwatch.deprivation import load_deprivation
from dampwatch.geography import GeographyLookup, Place
from dampwatch.opendata.areas import load_regions
from dampwatch.opendata.records import HomeMonth, floor_area_band, record_key
from dampwatch.stockfacts import (
    AgeBand,
    BuiltForm,
    EnergyBand,
    MainHeating,
    PropertyType,
    WallType,
)
from dampwatch_sim import postcodes

LIVERPOOL_CITY_REGION: Final = frozenset(postcodes.LIVERPOOL_CITY_REGION)
# The stock facts a simulated home is drawn from: the product's own vocabulary (stockfacts.py).
FACT_VALUES: Final[dict[str, tuple[str, ...]]] = {
    # Social homes rated A or G are rare; the simulated region leaves them out.
    "energy_band": tuple(
        band.value for band in EnergyBand if band not in {EnergyBand.A, EnergyBand.G}
    ),
    "property_type": tuple(
        kind.value for kind in PropertyType if kind is not PropertyType.PARK_HOME
    ),
    "built_form": tuple(form.value for form in BuiltForm if "enclosed" not in form.value),
    "age_band": tuple(band.value for band in AgeBand),
    "wall_type": (
        WallType.SOLID_BRICK.value,
        WallType.CAVITY_INSULATED.value,
        WallType.CAVITY_UNINSULATED.value,
        WallType.SYSTEM_BUILT.value,
    ),
    "main_heating": (
        MainHeating.GAS_BOILER.value,
        MainHeating.ELECTRIC_STORAGE.value,
        MainHeating.HEAT_PUMP.value,
        MainHeating.DISTRICT.value,
    ),
}
POSTCODES: Final = "postcode_lsoa_lookup_lcr_bristol.csv"
AREAS: Final = "lsoa11_msoa11_lad17_lookup_ew.csv"
DEPRIVATION: Final = "imd2019_lsoa11_england_domains.csv"


@dataclass(frozen=True, slots=True)
class Area:
    """Where a postcode lies and its LSOA's IMD decile."""

    postcode: str
    lsoa: str
    msoa: str
    lad: str
    region: str
    imd_decile: int | None


def load_areas(opendata: Path, lads: frozenset[str] = LIVERPOOL_CITY_REGION) -> list[Area]:
    """Every live postcode of `lads` in the shared extract, with its areas and IMD decile, read
    through the product's own loaders (geography, deprivation, the region lookup)."""
    lookup = GeographyLookup.load(opendata / POSTCODES, lads=lads)
    regions = load_regions(opendata / AREAS)
    deprivation = load_deprivation(opendata / DEPRIVATION)
    areas: list[Area] = []
    for postcode in lookup.postcodes():
        place = lookup.resolve(postcode)
        if isinstance(place, Place) and place.lad in regions:
            found = deprivation.get(place.lsoa)
            decile = found.imd_decile if found is not None else None
            areas.append(
                Area(postcode, place.lsoa, place.msoa, place.lad, regions[place.lad], decile)
            )
    return areas


def simulate_region(
    areas: Sequence[Area],
    homes: int,
    periods: Sequence[str],
    *,
    seed: int = 1,
    salt: str = "simulated",
    turnover: float = 0.03,
) -> list[HomeMonth]:
    """Home-months for `homes` homes at random postcodes; hazards likelier where deprivation is
    higher; a share `turnover` of homes joins or leaves between months."""
    rng = random.Random(seed)
    rows: list[HomeMonth] = []
    for number in range(homes):
        area = rng.choice(areas)
        home_id = f"sim-{seed}-{number:06d}"
        facts = {fact: rng.choice(values) for fact, values in FACT_VALUES.items()}
        facts["floor_area_band"] = floor_area_band(rng.uniform(30, 120))
        if rng.random() < 0.1:
            facts.pop("wall_type")  # not every home's wall is known
        first = rng.randrange(len(periods)) if rng.random() < turnover else 0
        for period in periods[first:]:
            rows.append(_home_month(rng, home_id, area, facts, period=period, salt=salt))
    return rows


def _home_month(
    rng: random.Random, home_id: str, area: Area, facts: dict[str, str], *, period: str, salt: str
) -> HomeMonth:
    deprivation = (10 - (area.imd_decile or 5)) / 10  # 0.0 least deprived .. 0.9 most
    enough = rng.random() < 0.9
    below_18 = rng.uniform(0, 300) * (0.5 + deprivation)
    return HomeMonth(
        home_key=home_id,
        record_key=record_key(home_id, salt),
        period=period,
        areas={"lsoa": area.lsoa, "msoa": area.msoa, "lad": area.lad, "region": area.region},
        imd_decile=area.imd_decile,
        facts=facts,
        damp=rng.random() < 0.05 + 0.25 * deprivation,
        cold=rng.random() < 0.04 + 0.2 * deprivation,
        overheating=rng.random() < 0.03,
        hours_below_18c=round(below_18, 1) if enough else None,
        room_rh_pct=round(rng.gauss(58 + 10 * deprivation, 6), 1) if enough else None,
        mould_index=round(min(6.0, max(0.0, rng.gauss(1 + 2 * deprivation, 0.8))), 2)
        if enough
        else None,
    )
