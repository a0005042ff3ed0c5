"""The simulated stock: facts shaped like social housing, hazards that follow the hidden model,
real places and IMD deciles when the open-data files are here."""

from __future__ import annotations

import numpy as np
import pytest

from dampwatch.deprivation import load_deprivation
from dampwatch.stockfacts import EnergyBand, MainHeating
from dampwatch_sim.stock import UNKNOWN, SimulatedHome, real_places, simulate_stock
from tests.support.opendata import DEPRIVATION, POSTCODE_LOOKUP, opendata_file

HOMES = 20_000


@pytest.fixture(scope="module")
def stock() -> list[SimulatedHome]:
    return simulate_stock(HOMES, seed=5)


def test_the_same_seed_draws_the_same_stock(stock: list[SimulatedHome]) -> None:
    again = simulate_stock(200, seed=5)
    assert [h.facts for h in again] == [h.facts for h in simulate_stock(200, seed=5)]
    assert [h.archetype for h in again] == [h.archetype for h in simulate_stock(200, seed=5)]
    assert len({h.home_id for h in stock}) == HOMES


def test_the_register_lacks_some_facts(stock: list[SimulatedHome]) -> None:
    unknown_band = np.mean([h.facts.energy_band is None for h in stock])
    unknown_area = np.mean([h.facts.floor_area_m2 is None for h in stock])
    assert unknown_band == pytest.approx(UNKNOWN["energy_band"], abs=0.01)
    assert unknown_area == pytest.approx(UNKNOWN["floor_area_m2"], abs=0.015)


def test_hazards_follow_the_hidden_model(stock: list[SimulatedHome]) -> None:
    def rate(homes: list[SimulatedHome], kind: str) -> float:
        return float(np.mean([getattr(h, kind) for h in homes]))

    worse = [h for h in stock if h.facts.energy_band in (EnergyBand.F, EnergyBand.G)]
    better = [h for h in stock if h.facts.energy_band in (EnergyBand.B, EnergyBand.C)]
    assert rate(worse, "damp") > 2 * rate(better, "damp")
    assert rate(worse, "cold") > 2 * rate(better, "cold")
    direct = [h for h in stock if h.facts.main_heating is MainHeating.ELECTRIC_DIRECT]
    gas = [h for h in stock if h.facts.main_heating is MainHeating.GAS_BOILER]
    assert rate(direct, "cold") > 1.5 * rate(gas, "cold")
    assert 0.03 < rate(stock, "damp") < 0.2 and 0.03 < rate(stock, "cold") < 0.2
    assert {h.archetype for h in stock} == {"healthy", "damp", "cold", "damp+cold"}


def test_places_are_real_postcodes_with_their_deciles() -> None:
    lookup, deprivation_file = opendata_file(POSTCODE_LOOKUP), opendata_file(DEPRIVATION)
    if lookup is None or deprivation_file is None:
        pytest.skip("the open-data postcode lookup and IMD files are not on this machine")
    places = real_places(lookup.parent)
    assert places
    homes = simulate_stock(2000, seed=6, places=places)
    deprivation = load_deprivation(deprivation_file)
    for home in homes[:200]:
        assert home.place.lsoa.startswith("E01")
        assert home.place.imd_decile == deprivation[home.place.lsoa].imd_decile
    # Social homes lie more often in deprived areas: the draw leans to low deciles.
    assert np.mean([h.place.imd_decile for h in homes]) < np.mean([p.imd_decile for p in places])
