"""Score a whole register: one model per hazard kind, every home's probability and reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from dampwatch.prediction.features import FloatArray, HomeRow
from dampwatch.prediction.model import RiskModel, Scores, feature_matrix, score, train
from dampwatch.prediction.words import Reason, reasons

KINDS: Final = ("damp", "cold")


@dataclass(frozen=True, slots=True)
class KindScores:
    """One kind's model and its scores of every home in the register's order."""

    kind: str
    model: RiskModel
    scores: Scores
    monitored: np.ndarray  # bool per home: its outcome trained the model

    def reasons_of(self, index: int, top: int = 3) -> list[Reason]:
        """The home's top reasons in words."""
        return reasons(
            self.scores.matrix[index],
            self.scores.contributions[index],
            self.kind,
            top,
        )

    def rank(self) -> np.ndarray:
        """Each home's rank by probability, 1 the highest (ties broken by register order)."""
        order = np.argsort(-self.scores.probability, kind="stable")
        ranks = np.empty(len(order), dtype=np.int64)
        ranks[order] = np.arange(1, len(order) + 1)
        return ranks


def predict_kind(
    rows: Sequence[HomeRow], outcomes: Mapping[str, bool], kind: str, seed: int = 0
) -> KindScores:
    """Train one kind on the homes `outcomes` names and score all `rows`; TrainingError when
    the monitored homes hold too few of either outcome.

    Monitored homes are scored with their out-of-fold area rate, so their own outcome never
    feeds their own score.
    """
    monitored = np.array([row.home_id in outcomes for row in rows], dtype=bool)
    train_rows = [row for row in rows if row.home_id in outcomes]
    labels = np.array([float(outcomes[row.home_id]) for row in train_rows])
    model = train(train_rows, labels, kind, seed)
    area: FloatArray = model.areas.rates([r.lsoa for r in rows], [r.msoa for r in rows])
    area[monitored] = model.training_matrix[:, -1]
    return KindScores(kind, model, score(model, feature_matrix(model, rows, area)), monitored)


def predict_register(
    rows: Sequence[HomeRow], outcomes: Mapping[str, Mapping[str, bool]], seed: int = 0
) -> dict[str, KindScores]:
    """`predict_kind` for every kind."""
    return {kind: predict_kind(rows, outcomes.get(kind, {}), kind, seed) for kind in KINDS}
