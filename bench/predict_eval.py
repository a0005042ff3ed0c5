"""`make eval-predict`: how well the risk ranking finds hazards in homes without sensors.

A simulated stock (firmware-sim's `stock`: real postcodes and IMD deciles when the open-data
files are present, facts shaped like English social housing, hazards from a hidden noisy model)
of HOMES homes, of which a random MONITORED share have sensors and so known outcomes. The model
(`dampwatch.prediction`) sees the register's facts and places and the monitored homes'
outcomes only, and ranks the rest; they are judged against their simulated truth, beside two
baselines in the same run: a random ranking and the energy band alone. Figures on simulated
homes test the machinery, not the world.

Balanced accuracy takes a home as at risk when its calibrated probability exceeds the
monitored homes' rate of that hazard. Top-decile lift: the hazard rate among the top-ranked
tenth divided by the rate among all unmonitored homes (random is 1x by construction).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import balanced_accuracy_score, roc_auc_score
from tests.support.datasets import shared_data

from dampwatch.prediction.features import ENERGY_BANDS, HomeRow
from dampwatch.prediction.register import KINDS, predict_register
from dampwatch.stockfacts import EnergyBand
from dampwatch_sim.stock import PlaceDraw, SimulatedHome, real_places, simulate_stock

LIFT_GOAL = 3.0
TIME_GOAL_S = 60.0


def register_row(home: SimulatedHome) -> HomeRow:
    """What the register knows of a simulated home: facts and place, never its outcome."""
    place = home.place
    return HomeRow(home.facts, place.imd_decile, place.lsoa, place.msoa)


def outcome(home: SimulatedHome, kind: str) -> bool:
    """The simulated truth of one hazard kind."""
    return home.damp if kind == "damp" else home.cold


def monitored_outcomes(
    homes: list[SimulatedHome], share: float, rng: np.random.Generator
) -> dict[str, dict[str, bool]]:
    """A random `share` of homes with sensors: their outcomes, as the alerts would show."""
    chosen = rng.choice(len(homes), round(share * len(homes)), replace=False)
    return {kind: {homes[i].home_id: outcome(homes[i], kind) for i in chosen} for kind in KINDS}


def top_decile_lift(scores: np.ndarray, truth: np.ndarray, rng: np.random.Generator) -> float:
    """Hazard rate among the top tenth by score over the overall rate (ties broken at random)."""
    order = np.lexsort((rng.random(len(scores)), -scores))
    top = order[: max(1, len(scores) // 10)]
    return float(truth[top].mean() / truth.mean())


def energy_band_score(rows: list[HomeRow]) -> np.ndarray:
    """The baseline: band index, worse is higher; unknown bands at the middle (D)."""
    middle = ENERGY_BANDS.index(EnergyBand.D)
    bands = [row.stock.energy_band for row in rows]
    return np.array([ENERGY_BANDS.index(b) if b else middle for b in bands], dtype=float)


def evaluate(
    homes: int, share: float, seed: int, places: list[PlaceDraw] | None
) -> dict[str, dict[str, dict[str, float]]]:
    """Metrics per kind and method on one simulated stock."""
    stock = simulate_stock(homes, seed, places)
    rng = np.random.default_rng(seed + 1000)
    outcomes = monitored_outcomes(stock, share, rng)
    rows = [register_row(home) for home in stock]
    predicted = predict_register(rows, outcomes, seed)
    band = energy_band_score(rows)
    result: dict[str, dict[str, dict[str, float]]] = {}
    for kind in KINDS:
        scored = predicted[kind]
        hidden = ~scored.monitored
        truth = np.array([outcome(h, kind) for h in stock])[hidden]
        base_rate = float(np.mean(list(outcomes[kind].values())))
        methods = {
            "model": scored.scores.probability[hidden],
            "energy band": band[hidden],
            "random": rng.random(int(hidden.sum())),
        }
        thresholds = {
            "model": base_rate,
            "energy band": ENERGY_BANDS.index(EnergyBand.D) + 0.5,
            "random": 0.5,
        }
        result[kind] = {
            name: {
                "auc": float(roc_auc_score(truth, values)),
                "balanced_accuracy": float(
                    balanced_accuracy_score(truth, values > thresholds[name])
                ),
                "lift": top_decile_lift(values, truth, rng),
            }
            for name, values in methods.items()
        }
    return result


def time_register(homes: int, share: float, places: list[PlaceDraw] | None) -> float:
    """Seconds to train both kinds and score every home with its reasons in words."""
    stock = simulate_stock(homes, 99, places)
    outcomes = monitored_outcomes(stock, share, np.random.default_rng(99))
    rows = [register_row(home) for home in stock]
    started = time.perf_counter()
    predicted = predict_register(rows, outcomes, 0)
    for scored in predicted.values():
        for index in range(homes):
            scored.reasons_of(index)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--homes", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--monitored", type=float, default=0.10)
    parser.add_argument("--timing-homes", type=int, default=100_000, help="0 to skip")
    parser.add_argument(
        "--opendata",
        type=Path,
        help="folder of the postcode lookup and IMD files (default: the shared data's opendata)",
    )
    args = parser.parse_args(argv)
    data = shared_data()
    folder = args.opendata or (data / "opendata" if data else None)
    places = real_places(folder) if folder else None
    print(
        f"stock: {args.homes} homes × {args.seeds} seeds, {args.monitored:.0%} monitored; "
        f"places: {'real postcodes and IMD 2019' if places else 'made-up areas'}"
    )
    runs = [evaluate(args.homes, args.monitored, seed, places) for seed in range(args.seeds)]
    print(f"{'kind':<6}{'method':<13}{'ROC AUC':>10}{'bal. acc.':>11}{'top-10% lift':>14}")
    ok = True
    for kind in KINDS:
        for method in ("model", "energy band", "random"):
            figures = {
                m: [run[kind][method][m] for run in runs]
                for m in ("auc", "balanced_accuracy", "lift")
            }
            mean = {m: statistics.mean(v) for m, v in figures.items()}
            spread = statistics.pstdev(figures["lift"])
            print(
                f"{kind:<6}{method:<13}{mean['auc']:>10.3f}{mean['balanced_accuracy']:>11.3f}"
                f"{mean['lift']:>9.2f}x ±{spread:.2f}"
            )
        model_lift = statistics.mean(run[kind]["model"]["lift"] for run in runs)
        band_lift = statistics.mean(run[kind]["energy band"]["lift"] for run in runs)
        verdict = model_lift >= LIFT_GOAL and model_lift > band_lift
        ok &= verdict
        goal = f"lift >= {LIFT_GOAL}x and above the energy band"
        print(f"{kind:<6}goal: {goal}: {'met' if verdict else 'NOT met'}")
    if args.timing_homes:
        seconds = time_register(args.timing_homes, args.monitored, places)
        met = seconds <= TIME_GOAL_S
        ok &= met
        print(
            f"train both kinds + score {args.timing_homes} homes: {seconds:.1f} s "
            f"(goal <= {TIME_GOAL_S:.0f} s: {'met' if met else 'NOT met'})"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
