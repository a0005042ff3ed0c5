"""The raw counts and quartiles before protection agree with a pandas group-by of the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dampwatch.opendata.records import HomeMonth
from dampwatch.opendata.tally import imd_code, tally
from dampwatch_sim.region import load_areas, simulate_region
from tests.support.datasets import shared_data


@pytest.fixture(scope="module")
def rows() -> list[HomeMonth]:
    data = shared_data()
    if data is None or not (data / "opendata").is_dir():
        pytest.skip("the shared open-data extracts are not on this machine")
    areas = load_areas(data / "opendata", frozenset({"E08000012"}))
    return simulate_region(areas, 900, ["2026-11", "2026-12"], seed=3)


def test_counts_and_quartiles_match_pandas(rows: list[HomeMonth]) -> None:
    frame = pd.DataFrame(
        {
            "msoa": [r.areas["msoa"] for r in rows],
            "decile": [imd_code(r.imd_decile) for r in rows],
            "wall": [r.facts.get("wall_type", "unknown") for r in rows],
            "period": [r.period for r in rows],
            "damp": [r.damp for r in rows],
            "rh": [r.room_rh_pct for r in rows],
        }
    )
    cells = tally(rows)
    for column, table, level in (
        ("msoa", "hazards_by_msoa", "msoa"),
        ("decile", "hazards_by_imd_decile", "imd_decile"),
        ("wall", "hazards_by_wall_type", "wall_type"),
    ):
        for (code, period), group in frame.groupby([column, "period"]):
            where = (table, level, code, period)
            assert cells.counts[(*where, "homes_monitored")].count == len(group)
            assert cells.counts[(*where, "homes_damp_hazard")].count == int(group["damp"].sum())
            median = cells.distributions[(*where, "median_room_rh_pct")].values
            assert np.median(median) == pytest.approx(group["rh"].dropna().median())


def test_every_area_adds_up_to_its_parent(rows: list[HomeMonth]) -> None:
    cells = tally(rows)
    assert cells.equations
    for equation in cells.equations:
        whole = sum(cells.counts[c].count for c in equation.whole)
        assert whole == sum(cells.counts[c].count for c in equation.parts), equation
