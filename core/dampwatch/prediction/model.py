"""The risk model: boosted stumps over stock facts, place and area rate, calibrated out of fold.

LightGBM with one split per tree (stumps) keeps the model additive, so each feature's
contribution to a home's log-odds (`pred_contrib`) is that feature's whole effect, and reasons
in words say what the model did. A worse energy band and a higher area rate may only raise the
risk (monotone constraints, as the physics of heat loss and the evidence of neighbours say).
Probabilities come from isotonic (or, with few homes, sigmoid) calibration fitted on
out-of-fold scores (scikit-learn's CalibratedClassifierCV, ensemble=False).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold

from dampwatch.prediction.area import AreaRates, out_of_fold_rates
from dampwatch.prediction.features import (
    AREA_RATE,
    CATEGORICAL,
    COLUMNS,
    HomeRow,
    encode,
)

FloatArray = NDArray[np.float64]

MONOTONE: Final = {"energy_band": 1, AREA_RATE: 1}
FOLDS: Final = 5
# Isotonic calibration needs enough homes of each outcome to be smoother than its steps.
ISOTONIC_MIN_POSITIVES = 200
MIN_PER_CLASS = FOLDS


class TrainingError(ValueError):
    """Outcomes a model cannot learn from (too few homes of one outcome)."""


@dataclass(frozen=True, slots=True)
class Scores:
    """Calibrated probabilities and each feature's contribution to the log-odds, per home."""

    probability: FloatArray
    contributions: FloatArray  # homes × COLUMNS, log-odds
    matrix: FloatArray  # homes × COLUMNS, the encoded features


@dataclass(frozen=True, slots=True)
class RiskModel:
    """One hazard kind's fitted model and what it needs to score any home in the register."""

    kind: str
    areas: AreaRates
    calibrated: CalibratedClassifierCV
    booster: lgb.Booster
    trained_on: int
    positives: int
    training_matrix: FloatArray  # the monitored homes' features, area rate out of fold


def _classifier(seed: int) -> lgb.LGBMClassifier:
    """Boosted stumps, single-threaded (the fastest on two shared cores)."""
    return lgb.LGBMClassifier(
        n_estimators=300,
        learning_rate=0.05,
        max_depth=1,
        num_leaves=2,
        min_child_samples=20,
        subsample=0.8,
        subsample_freq=1,
        reg_lambda=1.0,
        cat_smooth=20.0,
        min_data_per_group=20,
        monotone_constraints=[MONOTONE.get(column, 0) for column in COLUMNS],
        num_threads=1,
        random_state=seed,
        verbose=-1,
    )


def train(rows: Sequence[HomeRow], outcomes: FloatArray, kind: str, seed: int = 0) -> RiskModel:
    """Fit on monitored homes' outcomes (1: a hazard of `kind` this winter)."""
    outcomes = np.asarray(outcomes, dtype=np.float64)
    positives = int(outcomes.sum())
    if min(positives, len(outcomes) - positives) < MIN_PER_CLASS:
        raise TrainingError(
            f"{kind}: {positives} of {len(outcomes)} monitored homes had the hazard; "
            f"need at least {MIN_PER_CLASS} with and {MIN_PER_CLASS} without"
        )
    lsoas = [row.lsoa for row in rows]
    msoas = [row.msoa for row in rows]
    folds = np.zeros(len(rows), dtype=np.int64)
    splitter = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    for fold, (_, held) in enumerate(splitter.split(np.zeros(len(rows)), outcomes)):
        folds[held] = fold
    area = out_of_fold_rates(lsoas, msoas, outcomes, folds)
    matrix = np.column_stack([encode(rows), area])
    method = (
        "isotonic" if min(positives, len(rows) - positives) >= ISOTONIC_MIN_POSITIVES else "sigmoid"
    )
    calibrated = CalibratedClassifierCV(
        _classifier(seed), method=method, cv=splitter, ensemble=False
    )
    categorical = [COLUMNS.index(column) for column in CATEGORICAL]
    calibrated.fit(matrix, outcomes.astype(np.int64), categorical_feature=categorical)
    booster = calibrated.calibrated_classifiers_[0].estimator.booster_
    return RiskModel(
        kind,
        AreaRates.fit(lsoas, msoas, outcomes),
        calibrated,
        booster,
        len(rows),
        positives,
        matrix,
    )


def feature_matrix(
    model: RiskModel, rows: Sequence[HomeRow], area: FloatArray | None = None
) -> FloatArray:
    """The encoded features of `rows`; `area` overrides the area rate (monitored homes' own,
    out of fold, so their outcome does not feed their score)."""
    if area is None:
        area = model.areas.rates([row.lsoa for row in rows], [row.msoa for row in rows])
    return np.column_stack([encode(rows), area])


def score(model: RiskModel, matrix: FloatArray) -> Scores:
    """Calibrated probabilities and per-feature log-odds contributions of encoded homes."""
    probability = model.calibrated.predict_proba(matrix)[:, 1]
    contributions = np.asarray(model.booster.predict(matrix, pred_contrib=True))[:, :-1]
    return Scores(probability.astype(np.float64), contributions, matrix)
