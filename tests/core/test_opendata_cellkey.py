"""Cell key perturbation: the same as ONS's own package, and the same answer every time."""

from __future__ import annotations

import itertools

import pandas as pd
from cell_key_perturbation.create_perturbed_table import create_perturbed_table

from dampwatch.opendata.disclosure import Control, Method, pvalue
from dampwatch.opendata.publication import publish
from dampwatch.opendata.records import RECORD_KEY_RANGE, HomeMonth, record_key


def _homes(count: int) -> list[HomeMonth]:
    rows = []
    for number in range(count):
        home = f"home-{number}"
        lsoa = f"E0100{number % 37:04d}"
        rows.append(
            HomeMonth(
                home_key=home,
                record_key=record_key(home, "salt"),
                period="2026-11",
                areas={"lsoa": lsoa, "msoa": f"E0200{number % 7:04d}", "lad": "E08000012",
                       "region": "E12000002"},
                damp=number % 3 == 0,
            )
        )  # fmt: skip
    return rows


def _ons_ptable() -> pd.DataFrame:
    pairs = itertools.product(range(1, 751), range(RECORD_KEY_RANGE))
    return pd.DataFrame(
        [(pcv, ckey, pvalue(pcv, ckey)) for pcv, ckey in pairs], columns=["pcv", "ckey", "pvalue"]
    )


def test_counts_match_the_ons_cell_key_perturbation_package() -> None:
    rows = _homes(2400)
    publication = publish(rows, Control(Method.CELL_KEY))
    mine = {
        row.area_code: row.value
        for row in publication.tables["hazards_by_lsoa"]
        if row.measure == "homes_damp_hazard"
    }
    micro = pd.DataFrame(
        {"lsoa": [r.areas["lsoa"] for r in rows if r.damp],
         "record_key": [r.record_key for r in rows if r.damp]}
    )  # fmt: skip
    ons = create_perturbed_table(
        micro, _ons_ptable(), geog=[], tab_vars=["lsoa"], record_key="record_key", threshold=10
    )
    theirs = {
        code: (None if pd.isna(count) else float(count))
        for code, count in zip(ons["lsoa"], ons["count"], strict=True)
    }
    assert len(theirs) == 37
    assert mine == theirs
    assert any(value != float(n) for value, n in zip(
        mine.values(), micro.groupby("lsoa").size().sort_index(), strict=False))  # fmt: skip


def test_repeated_publications_give_the_same_answer_and_differ_only_by_noise() -> None:
    rows = _homes(2400)
    first = publish(rows, Control(Method.CELL_KEY))
    again = publish(list(reversed(rows)), Control(Method.CELL_KEY))
    assert first.tables == again.tables
    values = [r.value for rows_ in first.tables.values() for r in rows_ if r.value is not None]
    assert values


def test_record_keys_are_stable_and_spread() -> None:
    keys = [record_key(f"home-{n}", "salt") for n in range(5000)]
    assert keys == [record_key(f"home-{n}", "salt") for n in range(5000)]
    assert min(keys) == 0 and max(keys) == RECORD_KEY_RANGE - 1
    assert record_key("home-1", "salt") != record_key("home-1", "other") or record_key(
        "home-2", "salt"
    ) != record_key("home-2", "other")
