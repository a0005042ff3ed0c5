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


def predict_register(
    rows: Sequence[HomeRow], outcomes: Mapping[str, Mapping[str, bool]], seed: int = 0
) -> dict[str, KindScores]:
    """Train each kind on the homes `outcomes[kind]` names, score all `rows`.

    Monitored homes are scored with their out-of-fold area rate, so their own outcome never
    feeds their own score.
    """
    result = {}
    for kind in KINDS:
        known = outcomes.get(kind, {})
        monitored = np.array([row.home_id in known for row in rows])
        train_rows = [row for row in rows if row.home_id in known]
        labels = np.array([float(known[row.home_id]) for row in train_rows])
        model = train(train_rows, labels, kind, seed)
        area: FloatArray = model.areas.rates([r.lsoa for r in rows], [r.msoa for r in rows])
        area[monitored] = model.training_matrix[:, -1]
        result[kind] = KindScores(
            kind, model, score(model, feature_matrix(model, rows, area)), monitored
        )
    return result
