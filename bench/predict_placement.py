"""`python -m bench.predict_placement`: what the sensor placement rule buys, on a simulated stock.

From a stock where a random share of homes has sensors, the model is trained and N more sensors
are placed by three rules: at random, at the highest predicted risk, and by the placement rule
(`p / sqrt(1 + sensors in the MSOA)`). For each: the hazards the new sensors find (homes with
damp or cold among them), the MSOAs they reach that had no sensor, and the ROC AUC of the model
retrained with their outcomes, on the homes no rule gave a sensor (damp). Simulated homes: the
figures test the machinery, not the world.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import numpy as np
from sklearn.metrics import roc_auc_score
from tests.support.datasets import shared_data

from bench.predict_eval import monitored_outcomes, outcome, register_row
from dampwatch.prediction.placement import either_hazard, place_sensors
from dampwatch.prediction.register import predict_kind, predict_register
from dampwatch_sim.stock import SimulatedHome, real_places, simulate_stock

Chooser = Callable[[list[int], np.ndarray, list[str], dict[str, int], int], list[int]]


def by_random(
    candidates: list[int], p: np.ndarray, areas: list[str], _: dict[str, int], n: int
) -> list[int]:
    """N homes drawn at random."""
    rng = np.random.default_rng(7)
    return [candidates[i] for i in rng.choice(len(candidates), n, replace=False)]


def by_risk(
    candidates: list[int], p: np.ndarray, areas: list[str], _: dict[str, int], n: int
) -> list[int]:
    """The N homes of highest predicted risk."""
    return [candidates[i] for i in np.argsort(-p, kind="stable")[:n]]


def by_rule(
    candidates: list[int], p: np.ndarray, areas: list[str], seen: dict[str, int], n: int
) -> list[int]:
    """The placement rule."""
    ids = [str(i) for i in range(len(candidates))]
    plan = place_sensors(ids, areas, p, seen, n)
    return [candidates[int(choice.home_id)] for choice in plan]


def run(stock: list[SimulatedHome], share: float, count: int) -> None:
    """Place `count` sensors by each rule and print what each found and taught."""
    rows = [register_row(home) for home in stock]
    outcomes = monitored_outcomes(stock, share, np.random.default_rng(3))
    predicted = predict_register(rows, outcomes, 0)
    p = either_hazard(predicted["damp"].scores.probability, predicted["cold"].scores.probability)
    watched = set(outcomes["damp"])
    candidates = [i for i, home in enumerate(stock) if home.home_id not in watched]
    msoas = [stock[i].place.msoa for i in candidates]
    seen: dict[str, int] = {}
    for home in stock:
        if home.home_id in watched:
            seen[home.place.msoa] = seen.get(home.place.msoa, 0) + 1
    rules: dict[str, Chooser] = {
        "random": by_random,
        "highest risk": by_risk,
        "placement rule": by_rule,
    }
    chosen = {
        name: choose(candidates, p[candidates], msoas, seen, count)
        for name, choose in rules.items()
    }
    # One evaluation set for all: the homes none of the rules gave a sensor.
    placed = set().union(*chosen.values())
    common = np.array([i for i in candidates if i not in placed])
    truth = np.array([outcome(stock[i], "damp") for i in common])
    print(f"{'rule':<16}{'hazards found':>15}{'new MSOAs':>11}{'damp AUC after':>16}")
    for name, homes in chosen.items():
        found = sum(stock[i].damp or stock[i].cold for i in homes)
        new_areas = len({stock[i].place.msoa for i in homes} - set(seen))
        damp = dict(outcomes["damp"]) | {stock[i].home_id: stock[i].damp for i in homes}
        retrained = predict_kind(rows, damp, "damp", 0)
        auc = roc_auc_score(truth, retrained.scores.probability[common])
        print(f"{name:<16}{found:>9} ({found / count:.0%}){new_areas:>11}{auc:>16.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--homes", type=int, default=20_000)
    parser.add_argument("--monitored", type=float, default=0.05)
    parser.add_argument("--sensors", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    data = shared_data()
    places = real_places(data / "opendata") if data else None
    stock = simulate_stock(args.homes, args.seed, places)
    print(f"{args.homes} homes, {args.monitored:.0%} with sensors at random; {args.sensors} more")
    run(stock, args.monitored, args.sensors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
