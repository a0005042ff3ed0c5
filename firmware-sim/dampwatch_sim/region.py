"""A simulated region of monitored homes over real postcodes, with the truth known per home."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from dampwatch.opendata.records import HomeMonth, floor_area_band, record_key
from dampwatch_sim import postcodes

LIVERPOOL_CITY_REGION: Final = frozenset(postcodes.LIVERPOOL_CITY_REGION)
FACT_VALUES: Final = {
    "energy_band": ("B", "C", "D", "E", "F"),
    "property_type": ("flat", "house", "maisonette", "bungalow"),
    "built_form": ("detached", "semi_detached", "mid_terrace", "end_terrace"),
    "age_band": ("pre_1919", "1919_1944", "1945_1964", "1965_1982", "1983_2002", "post_2002"),
    "wall_type": ("solid_brick", "cavity_filled", "cavity_unfilled", "system_built"),
    "main_heating": ("gas_boiler", "electric_storage", "heat_pump", "district"),
}


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
    """Every postcode of `lads` in the shared extract, with its areas and IMD decile."""
    regions: dict[str, str] = {}
    with (opendata / "lsoa11_msoa11_lad17_lookup_ew.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            regions[row["lsoa11cd"]] = row["rgn11cd"]
    deciles: dict[str, int] = {}
    with (opendata / "imd2019_lsoa11_england_domains.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            deciles[row["lsoa11cd"]] = int(row["imd_decile"])
    areas: list[Area] = []
    with (opendata / "postcode_lsoa_lookup_lcr_bristol.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            lsoa = row["lsoa11cd"]
            if row["lad_code"] in lads and lsoa in regions:
                areas.append(
                    Area(row["postcode"], lsoa, row["msoa11cd"], row["lad_code"], regions[lsoa],
                         deciles.get(lsoa))
                )  # fmt: skip
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
