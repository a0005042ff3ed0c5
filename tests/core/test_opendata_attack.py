"""Publish every table for a simulated region with known truth, then attack it."""

from __future__ import annotations

import pytest

from dampwatch.opendata import disclosure
from dampwatch.opendata.disclosure import Control, Method
from dampwatch.opendata.publication import Publication, publish
from dampwatch.opendata.records import HomeMonth
from dampwatch.opendata.tally import tally
from dampwatch_sim.region import load_areas, simulate_region
from tests.support.datasets import shared_data
from tests.support.opendata_attack import attack, published_values

pytestmark = pytest.mark.slow  # linear programmes over every published sum

KNOWSLEY_AND_HALTON = frozenset({"E08000011", "E06000006"})
PERIODS = ("2026-10", "2026-11")


@pytest.fixture(scope="module")
def halton() -> list[HomeMonth]:
    """700 homes over Halton's real postcodes in one month: small enough for the strongest
    attacker (every measure of the month in one system) to run in seconds per method."""
    data = shared_data()
    if data is None or not (data / "opendata").is_dir():
        pytest.skip("the shared open-data extracts are not on this machine")
    areas = load_areas(data / "opendata", frozenset({"E06000006"}))
    return simulate_region(areas, 700, PERIODS[1:], seed=9)


@pytest.fixture(scope="module")
def region() -> list[HomeMonth]:
    """1,500 homes over Knowsley's and Halton's real postcodes, two months, 3 % turnover."""
    data = shared_data()
    if data is None or not (data / "opendata").is_dir():
        pytest.skip("the shared open-data extracts are not on this machine")
    areas = load_areas(data / "opendata", KNOWSLEY_AND_HALTON)
    return simulate_region(areas, 1500, PERIODS, seed=7)


def _under_threshold_published(publication: Publication, region: list[HomeMonth]) -> list[str]:
    truth = tally(region)
    threshold = publication.control.threshold
    wrong = []
    for cell, value in published_values(publication).items():
        if value is None or cell not in truth.counts:
            continue
        if value < threshold:
            wrong.append(f"{cell} published as {value}")
    return wrong


@pytest.mark.parametrize("method", list(Method))
def test_every_published_count_is_protected_and_at_least_the_threshold(
    region: list[HomeMonth], method: Method
) -> None:
    publication = publish(region, Control(method))
    assert _under_threshold_published(publication, region) == []
    statuses = {row.status for rows in publication.tables.values() for row in rows}
    expected = {"rounded", "suppressed", "published"} if method is Method.RULE_10_5 else {
        "perturbed", "suppressed", "published"}  # fmt: skip
    assert statuses == expected
    truth = tally(region)
    values = published_values(publication)
    small = [cell for cell, count in truth.counts.items() if count.count < 10]
    assert small, "the simulated region must have small cells to protect"
    assert all(values[cell] is None for cell in small if method is Method.RULE_10_5)
    quartiles_small = [
        cell for cell, d in truth.distributions.items() if len(d.values) < 10 and values[cell]
    ]
    assert quartiles_small == []


@pytest.mark.parametrize("method", list(Method))
def test_differencing_recovers_no_count_under_the_threshold(
    region: list[HomeMonth], method: Method
) -> None:
    """Margins and overlapping tables, one measure at a time, over two months of 1,500 homes."""
    publication = publish(region, Control(method))
    recovered, tried = attack(publication, tally(region), across=False)
    assert tried > 1000
    assert recovered == []


@pytest.mark.parametrize("method", list(Method))
def test_the_strongest_attacker_recovers_nothing_either(
    halton: list[HomeMonth], method: Method
) -> None:
    """Also knowing that a hazard count never exceeds the homes monitored in its row."""
    publication = publish(halton, Control(method))
    recovered, tried = attack(publication, tally(halton), across=True)
    assert tried > 300
    assert recovered == []


def test_the_attacker_recovers_counts_from_exact_margins_without_secondary_suppression(
    region: list[HomeMonth], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack is real: exact counts with only primary suppression give counts back."""

    def primary_only(counts, equations, threshold):  # type: ignore[no-untyped-def]
        return {cell for cell, count in counts.items() if count < threshold}

    monkeypatch.setattr(disclosure, "secondary_suppression", primary_only)
    publication = publish(region, Control(Method.RULE_10_5, rounding_base=1))
    recovered, _ = attack(publication, tally(region), across=False)
    assert recovered
    assert all(item.low == item.truth for item in recovered)


def test_secondary_suppression_alone_protects_exact_counts_within_a_measure(
    region: list[HomeMonth],
) -> None:
    """Even unrounded, the complementary cells leave every small count unrecovered by the
    additive relations. (Across measures they do not: a row's hazard counts bound its homes
    monitored, which can pin an exact small count; the rule's rounding is what stops that, as
    the strongest attacker's test shows.)"""
    publication = publish(region, Control(Method.RULE_10_5, rounding_base=1))
    recovered, _ = attack(publication, tally(region), across=False)
    assert recovered == []


@pytest.mark.parametrize("method", list(Method))
def test_month_against_month_gives_no_small_change_exactly(
    region: list[HomeMonth], method: Method
) -> None:
    """Homes join and leave between months: the change in a published count never reveals
    how many did, since each month's figure hides at least +/-2 of its own."""
    publication = publish(region, Control(method))
    truth = tally(region)
    values = published_values(publication)
    earlier, later = PERIODS
    changes = 0
    for cell, count in truth.counts.items():
        if cell[3] != later:
            continue
        before = (*cell[:3], earlier, cell[4])
        if before not in truth.counts or values[cell] is None or values[before] is None:
            continue
        change = count.count - truth.counts[before].count
        if change == 0:
            continue
        changes += 1
        low = max(values[cell] - 2, 0) - (values[before] + 2)  # type: ignore[operator]
        high = values[cell] + 2 - max(values[before] - 2, 0)  # type: ignore[operator]
        assert low <= change <= high
        assert high - low >= 8
    assert changes > 10


def test_the_strongest_attacker_pins_exact_counts_so_rounding_is_needed(
    halton: list[HomeMonth],
) -> None:
    """The control of the strongest attack: without rounding it does pin small counts."""
    publication = publish(halton, Control(Method.RULE_10_5, rounding_base=1))
    recovered, _ = attack(publication, tally(halton), across=True)
    assert recovered
    assert all(item.low == item.truth < 10 for item in recovered)


@pytest.mark.parametrize("method", list(Method))
def test_quartiles_appear_only_beside_a_published_count_of_their_homes(
    region: list[HomeMonth], method: Method
) -> None:
    publication = publish(region, Control(method))
    for table, rows in publication.tables.items():
        counted = {
            (row.area_code, row.period): row.value
            for row in rows
            if row.measure == "homes_with_enough_data"
        }
        for row in rows:
            if row.measure.startswith(("q1_", "median_", "q3_")) and row.value is not None:
                assert counted[(row.area_code, row.period)] is not None, (table, row)
