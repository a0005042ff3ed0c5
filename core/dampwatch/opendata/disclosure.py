"""Disclosure control of the cells: the 10-5 rule with secondary suppression, or ONS's cell key
perturbation (Office for National Statistics, "Cell key perturbation", the method of the 2021
Census tables and of the `cell-key-perturbation` package)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np

from dampwatch.opendata.cells import QUANTILES, CellId, Cells, Equation
from dampwatch.opendata.records import RECORD_KEY_RANGE

QUANTILE_OF: Final = dict(QUANTILES)
MAX_PCV: Final = 750  # ONS p-tables stop at 750 and reuse rows 501-750 above it
REUSED_FROM: Final = 501
# Noise by cell key: -2, -1, 0, +1, +2 with probability about 0.1, 0.2, 0.4, 0.2, 0.1.
NOISE_BANDS: Final = ((26, -2), (77, -1), (179, 0), (230, 1), (256, 2))


class Method(StrEnum):
    """How cells are protected (setting `DAMPWATCH_OPENDATA_DISCLOSURE`)."""

    RULE_10_5 = "rule_10_5"
    CELL_KEY = "cell_key"


class Status(StrEnum):
    """A published cell's `status` column."""

    PUBLISHED = "published"
    ROUNDED = "rounded"
    SUPPRESSED = "suppressed"
    PERTURBED = "perturbed"


@dataclass(frozen=True, slots=True)
class Protected:
    """A cell as published: its value (None when withheld) and how it was protected."""

    value: float | None
    status: Status


@dataclass(frozen=True, slots=True)
class Control:
    """The disclosure method and its parameters."""

    method: Method = Method.RULE_10_5
    threshold: int = 10
    rounding_base: int = 5

    def describe(self) -> str:
        """One sentence for the metadata: what a reader may and may not assume."""
        if self.method is Method.RULE_10_5:
            return (
                f"Counts under {self.threshold} are suppressed and the rest rounded to the "
                f"nearest {self.rounding_base}; further cells are suppressed so that no suppressed "
                "count can be recovered from totals or overlapping tables. Quartiles are given "
                f"only over at least {self.threshold} homes."
            )
        return (
            "Cell key perturbation (ONS method): each home has a fixed record key; a cell's key is "
            "the sum of its homes' keys modulo 256, and a fixed perturbation table adds -2..+2, "
            f"so the same cell always gets the same value; perturbed counts under {self.threshold} "
            f"are suppressed. Quartiles are given only over at least {self.threshold} homes."
        )


def pvalue(pcv: int, ckey: int) -> int:
    """The perturbation table's entry: noise from the cell key, never below a count of 0."""
    if pcv <= 0:
        return 0
    noise = next(value for upper, value in NOISE_BANDS if ckey < upper)
    return max(noise, -pcv)


def pcv_of(count: int) -> int:
    """The perturbation table row of a count (rows 501-750 are reused above 750, as ONS do)."""
    return count if count <= MAX_PCV else (count - 1) % 250 + REUSED_FROM


def protect(cells: Cells, record_keys: Sequence[int], control: Control) -> dict[CellId, Protected]:
    """Every cell of `cells` as it may be published under `control`."""
    if control.method is Method.RULE_10_5:
        out = _rule_10_5(cells, control)
    else:
        out = _cell_key(cells, record_keys, control)
    out.update(_quartiles(cells, control, out))
    return out


def _rule_10_5(cells: Cells, control: Control) -> dict[CellId, Protected]:
    counts = {cell: count.count for cell, count in cells.counts.items()}
    withheld = secondary_suppression(counts, cells.equations, control.threshold)
    base = control.rounding_base
    return {
        cell: Protected(None, Status.SUPPRESSED)
        if cell in withheld
        else Protected(float(base * int(np.floor(count / base + 0.5))), Status.ROUNDED)
        for cell, count in counts.items()
    }


def secondary_suppression(
    counts: Mapping[CellId, int], equations: Sequence[Equation], threshold: int
) -> set[CellId]:
    """Primary (count < threshold) plus complementary cells: no equation keeps a single
    withheld cell, since its total minus the others would give it back."""
    withheld = {cell for cell, count in counts.items() if count < threshold}
    touching: dict[CellId, list[int]] = defaultdict(list)
    for index, equation in enumerate(equations):
        for cell in equation.cells():
            touching[cell].append(index)
    pending = {index for cell in withheld for index in touching[cell]}
    while pending:
        equation = equations[pending.pop()]
        named = [cell for cell in equation.cells() if cell in counts]
        if sum(cell in withheld for cell in named) != 1:
            continue
        # The smallest published part costs the least information (whole cells last).
        candidates = [c for c in equation.parts if c in counts and c not in withheld] or [
            c for c in named if c not in withheld
        ]
        if not candidates:
            continue
        chosen = min(candidates, key=lambda cell: (counts[cell], cell))
        withheld.add(chosen)
        pending.update(touching[chosen])
    return withheld


def cell_key(members: Sequence[int], record_keys: Sequence[int]) -> int:
    """The cell key: the sum of the record keys of the cell's homes, modulo 256."""
    return sum(record_keys[i] for i in members) % RECORD_KEY_RANGE


def _cell_key(
    cells: Cells, record_keys: Sequence[int], control: Control
) -> dict[CellId, Protected]:
    out: dict[CellId, Protected] = {}
    for cell, count_cell in cells.counts.items():
        count = count_cell.count
        value = count + pvalue(pcv_of(count), cell_key(count_cell.members, record_keys))
        out[cell] = (
            Protected(None, Status.SUPPRESSED)
            if value < control.threshold
            else Protected(float(value), Status.PERTURBED)
        )
    return out


def _quartiles(
    cells: Cells, control: Control, counts: Mapping[CellId, Protected]
) -> dict[CellId, Protected]:
    """Quartiles over at least `threshold` homes, and only where the count of those homes is
    itself published (a quartile beside a withheld count would say the count is not small)."""
    out: dict[CellId, Protected] = {}
    for cell, distribution in cells.distributions.items():
        values = distribution.values
        counted = counts.get((*cell[:4], "homes_with_enough_data"))
        if len(values) < control.threshold or counted is None or counted.value is None:
            out[cell] = Protected(None, Status.SUPPRESSED)
            continue
        quantile = QUANTILE_OF[cell[4].split("_", 1)[0]]
        out[cell] = Protected(round(float(np.quantile(values, quantile)), 1), Status.PUBLISHED)
    return out
