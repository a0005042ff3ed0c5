"""The prediction maths on a simulated stock: calibration, monotone bands, reasons, placement."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from dampwatch.prediction.area import AreaRates, out_of_fold_rates
from dampwatch.prediction.features import COLUMNS, ENERGY_BANDS, HomeRow, encode
from dampwatch.prediction.model import TrainingError, feature_matrix, score, train
from dampwatch.prediction.placement import coverage_weight, place_sensors, visit_first
from dampwatch.prediction.register import KINDS, KindScores, predict_register
from dampwatch.stockfacts import EnergyBand, StockFacts, WallType
from dampwatch_sim.stock import SimulatedHome, simulate_stock

HOMES = 8000
MONITORED = 3000


def _row(home: SimulatedHome) -> HomeRow:
    return HomeRow(home.facts, home.place.imd_decile, home.place.lsoa, home.place.msoa)


@pytest.fixture(scope="module")
def stock() -> list[SimulatedHome]:
    return simulate_stock(HOMES, seed=7)


@pytest.fixture(scope="module")
def predicted(stock: list[SimulatedHome]) -> dict[str, KindScores]:
    chosen = np.random.default_rng(7).choice(HOMES, MONITORED, replace=False)
    outcomes = {
        "damp": {stock[i].home_id: stock[i].damp for i in chosen},
        "cold": {stock[i].home_id: stock[i].cold for i in chosen},
    }
    return predict_register([_row(home) for home in stock], outcomes, seed=7)


@pytest.mark.parametrize("kind", KINDS)
def test_probabilities_are_calibrated_on_homes_without_sensors(
    stock: list[SimulatedHome], predicted: dict[str, KindScores], kind: str
) -> None:
    scored = predicted[kind]
    hidden = ~scored.monitored
    p = scored.scores.probability[hidden]
    truth = np.array([getattr(home, kind) for home in stock], dtype=float)[hidden]
    assert abs(p.mean() - truth.mean()) < 0.02
    # Better than telling every home the base rate, and the riskiest fifth is where it says.
    assert np.mean((p - truth) ** 2) < np.mean((truth.mean() - truth) ** 2)
    top = np.argsort(-p)[: len(p) // 5]
    assert abs(p[top].mean() - truth[top].mean()) < 0.05
    assert truth[top].mean() > 1.8 * truth.mean()


@pytest.mark.parametrize("kind", KINDS)
def test_a_worse_energy_band_never_lowers_the_risk(
    stock: list[SimulatedHome], predicted: dict[str, KindScores], kind: str
) -> None:
    model = predicted[kind].model
    band = COLUMNS.index("energy_band")
    for home in stock[:25]:
        rows = [
            dataclasses.replace(_row(home), stock=dataclasses.replace(home.facts, energy_band=b))
            for b in ENERGY_BANDS
        ]
        scores = score(model, feature_matrix(model, rows))
        assert np.all(np.diff(scores.probability) >= -1e-12)
        assert np.all(np.diff(scores.contributions[:, band]) >= -1e-12)
    g_band = [
        dataclasses.replace(_row(h), stock=dataclasses.replace(h.facts, energy_band=EnergyBand.G))
        for h in stock[:200]
    ]
    b_band = [
        dataclasses.replace(r, stock=dataclasses.replace(r.stock, energy_band=EnergyBand.B))
        for r in g_band
    ]
    assert (
        score(model, feature_matrix(model, g_band)).probability.mean()
        > score(model, feature_matrix(model, b_band)).probability.mean()
    )


def test_reasons_name_the_fact_in_plain_words(predicted: dict[str, KindScores]) -> None:
    damp = predicted["damp"]
    riskiest = int(np.argmax(damp.scores.probability))
    reasons = damp.reasons_of(riskiest)
    assert 1 <= len(reasons) <= 3
    assert all(reason.contribution > 0 for reason in reasons)
    assert [r.contribution for r in reasons] == sorted(
        (r.contribution for r in reasons), reverse=True
    )
    pattern = re.compile(
        r"^[a-z][^:]*: (homes like this are|monitored homes nearby were) more often damp or mouldy"
    )
    assert all(pattern.match(reason.text) for reason in reasons), [r.text for r in reasons]
    band_index = COLUMNS.index("energy_band")
    g_homes = np.flatnonzero(damp.scores.matrix[:, band_index] == ENERGY_BANDS.index(EnergyBand.G))
    texts = {r.text for i in g_homes[:20] for r in damp.reasons_of(int(i))}
    assert "energy band G: homes like this are more often damp or mouldy" in texts


def test_the_area_rate_leans_on_the_wider_area_and_never_on_the_home_itself() -> None:
    lsoas = ["a1", "a1", "a2", "a2", "a2", "a2", "b1", "b1"]
    msoas = ["A", "A", "A", "A", "A", "A", "B", "B"]
    outcomes = np.array([1, 1, 0, 0, 0, 0, 0, 1], dtype=float)
    rates = AreaRates.fit(lsoas, msoas, outcomes)
    assert rates.msoa["A"] < rates.lsoa["a1"] < 1.0
    assert rates.rate("unknown", "B") == rates.msoa["B"]
    assert rates.rate(None, None) == rates.overall
    folds = np.arange(len(outcomes))  # leave one out
    oof = out_of_fold_rates(lsoas, msoas, outcomes, folds)
    without_first = AreaRates.fit(lsoas[1:], msoas[1:], outcomes[1:])
    assert oof[0] == pytest.approx(without_first.rate("a1", "A"))


def test_placement_spreads_sensors_to_areas_the_model_knows_least() -> None:
    plan = place_sensors(
        ["x1", "x2", "y1", "y2"],
        ["X", "X", "Y", "Y"],
        np.array([0.5, 0.45, 0.3, 0.1]),
        {"X": 5},
        count=3,
    )
    # y1: 0.3 × 1 beats x1: 0.5 / sqrt(6); then x1 (0.204) beats y2: 0.1 / sqrt(2).
    assert [p.home_id for p in plan] == ["y1", "x1", "x2"]
    assert plan[0].priority == pytest.approx(0.3)
    assert plan[1].priority == pytest.approx(0.5 * coverage_weight(5))
    assert plan[2].area_sensors_before == 6
    assert [home for home in visit_first(["b", "a", "c"], np.array([0.2, 0.2, 0.9]), 2)] == [2, 1]


def test_too_few_hazards_to_learn_from_is_a_clear_error(stock: list[SimulatedHome]) -> None:
    rows = [_row(home) for home in stock[:100]]
    outcomes = np.zeros(100)
    outcomes[:2] = 1
    with pytest.raises(TrainingError, match="2 of 100 monitored homes"):
        train(rows, outcomes, "damp")


def test_unknown_facts_are_missing_values_not_defaults() -> None:
    known = HomeRow(StockFacts("h1", energy_band=EnergyBand.F, wall_type=WallType.SOLID_BRICK), 2)
    unknown = HomeRow(StockFacts("h2"))
    matrix = encode([known, unknown])
    assert np.isnan(matrix[1]).all()
    assert matrix[0, 0] == ENERGY_BANDS.index(EnergyBand.F)
