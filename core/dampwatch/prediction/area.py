"""The area rate: monitored homes' outcomes per LSOA, shrunk to their MSOA, shrunk to the whole.

An empirical-Bayes estimate (beta-binomial, Efron & Morris): an area with few monitored homes
says little, so its rate leans on the wider area's; one with many speaks for itself. For the
homes a model trains on, the rate is computed out of fold, so no home's own outcome feeds its
own feature (that leak would make the area rate look better than it is on unmonitored homes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Bounds on the prior's weight in pseudo-homes: below 2 one home's outcome sways its area;
# above 200 areas never differ from the whole however much they show.
MIN_PRIOR = 2.0
MAX_PRIOR = 200.0
DEFAULT_PRIOR = 20.0


def prior_strength(positives: FloatArray, counts: FloatArray) -> float:
    """The beta prior's weight (pseudo-homes) from how much area rates vary beyond chance."""
    seen = counts > 0
    if seen.sum() < 5:
        return DEFAULT_PRIOR
    rates = positives[seen] / counts[seen]
    weights = counts[seen]
    mean = float(np.average(rates, weights=weights))
    if not 0.0 < mean < 1.0:
        return DEFAULT_PRIOR
    spread = float(np.average((rates - mean) ** 2, weights=weights))
    chance = mean * (1 - mean) * float(np.mean(1.0 / weights))
    between = spread - chance
    if between <= 0:
        return MAX_PRIOR
    return float(np.clip(mean * (1 - mean) / between - 1, MIN_PRIOR, MAX_PRIOR))


@dataclass(frozen=True, slots=True)
class AreaRates:
    """Shrunk outcome rates per MSOA and per LSOA, and the overall rate they lean on."""

    overall: float
    msoa: dict[str, float]
    lsoa: dict[str, float]
    lsoa_prior: float
    msoa_prior: float

    @classmethod
    def fit(
        cls, lsoas: Sequence[str | None], msoas: Sequence[str | None], outcomes: FloatArray
    ) -> AreaRates:
        """Rates from monitored homes' areas and outcomes (1 hazard, 0 none)."""
        overall = (float(outcomes.sum()) + 1.0) / (len(outcomes) + 2.0)
        msoa_sums = _sums(msoas, outcomes)
        msoa_prior = prior_strength(*_arrays(msoa_sums))
        msoa_rates = {
            code: (positive + msoa_prior * overall) / (count + msoa_prior)
            for code, (positive, count) in msoa_sums.items()
        }
        lsoa_sums = _sums(lsoas, outcomes)
        lsoa_prior = prior_strength(*_arrays(lsoa_sums))
        parent = {lsoa: msoa for lsoa, msoa in zip(lsoas, msoas, strict=True) if lsoa}
        lsoa_rates = {
            code: (positive + lsoa_prior * msoa_rates.get(parent.get(code) or "", overall))
            / (count + lsoa_prior)
            for code, (positive, count) in lsoa_sums.items()
        }
        return cls(overall, msoa_rates, lsoa_rates, lsoa_prior, msoa_prior)

    def rate(self, lsoa: str | None, msoa: str | None) -> float:
        """The LSOA's rate, else its MSOA's, else the overall rate."""
        if lsoa and lsoa in self.lsoa:
            return self.lsoa[lsoa]
        if msoa and msoa in self.msoa:
            return self.msoa[msoa]
        return self.overall

    def rates(self, lsoas: Sequence[str | None], msoas: Sequence[str | None]) -> FloatArray:
        """`rate` for each home."""
        return np.array([self.rate(a, b) for a, b in zip(lsoas, msoas, strict=True)])


def out_of_fold_rates(
    lsoas: Sequence[str | None],
    msoas: Sequence[str | None],
    outcomes: FloatArray,
    folds: IntArray,
) -> FloatArray:
    """Each home's area rate from the other folds' homes only."""
    result = np.empty(len(outcomes))
    for fold in np.unique(folds):
        inside = folds == fold
        rest = np.flatnonzero(~inside).tolist()
        rates = AreaRates.fit([lsoas[i] for i in rest], [msoas[i] for i in rest], outcomes[rest])
        chosen = np.flatnonzero(inside).tolist()
        result[chosen] = rates.rates([lsoas[i] for i in chosen], [msoas[i] for i in chosen])
    return result


def _sums(codes: Sequence[str | None], outcomes: FloatArray) -> dict[str, tuple[float, float]]:
    sums: dict[str, list[float]] = {}
    for code, outcome in zip(codes, outcomes, strict=True):
        if code:
            entry = sums.setdefault(code, [0.0, 0.0])
            entry[0] += float(outcome)
            entry[1] += 1.0
    return {code: (entry[0], entry[1]) for code, entry in sums.items()}


def _arrays(sums: dict[str, tuple[float, float]]) -> tuple[FloatArray, FloatArray]:
    values = np.array(list(sums.values()), dtype=np.float64).reshape(-1, 2)
    return values[:, 0], values[:, 1]
