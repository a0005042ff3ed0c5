"""An attacker on published open-data tables: interval bounds on every hidden count by linear
programming over everything an outsider can add up (areas and sub-areas, the deciles and each
stock fact against the region totals, each decile against its LSOAs), then integer programming
where the relaxation comes close. A count is recovered when its bounds meet."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import lil_matrix

from dampwatch.opendata.cells import CellId, Cells
from dampwatch.opendata.disclosure import Control, Method
from dampwatch.opendata.publication import Publication

INF = math.inf


@dataclass(frozen=True)
class Recovered:
    """A hidden count the attacker pinned down, with the truth it matched."""

    cell: CellId
    low: int
    high: int
    truth: int


def published_values(publication: Publication) -> dict[CellId, float | None]:
    """Cell id → published value (None when suppressed) for every count row."""
    out: dict[CellId, float | None] = {}
    for table, rows in publication.tables.items():
        for row in rows:
            out[(table, row.area_level, row.area_code, row.period, row.measure)] = row.value
    return out


def prior_bounds(
    value: float | None, truth: int, control: Control, *, knows_primary: bool
) -> tuple[float, float]:
    """What the publication says about a count. A strong attacker also knows whether a withheld
    cell was under the threshold (primary) or withheld to protect another (secondary)."""
    half = control.rounding_base // 2 if control.method is Method.RULE_10_5 else 2
    if value is not None:
        low = value - half
        if control.method is Method.RULE_10_5:
            low = max(low, control.threshold)
        return max(low, 0.0), value + half
    if control.method is Method.CELL_KEY:
        return 0.0, control.threshold - 1 + 2
    if knows_primary:
        return (
            (0.0, control.threshold - 1.0)
            if truth < control.threshold
            else (control.threshold, INF)
        )
    return 0.0, INF


def attack(
    publication: Publication, truth: Cells, *, knows_primary: bool = True
) -> tuple[list[Recovered], int]:
    """Every count under the threshold the attacker can pin down, and how many were tried."""
    values = published_values(publication)
    control = publication.control
    systems: dict[tuple[str, str], list[CellId]] = defaultdict(list)
    for cell in truth.counts:
        systems[(cell[3], cell[4])].append(cell)
    equations_of: dict[tuple[str, str], list[tuple[tuple[CellId, ...], tuple[CellId, ...]]]] = (
        defaultdict(list)
    )
    for equation in truth.equations:
        key = (equation.whole[0][3], equation.whole[0][4])
        equations_of[key].append((equation.whole, equation.parts))
    found: list[Recovered] = []
    tried = 0
    for key, cells in systems.items():
        counts = {cell: truth.counts[cell].count for cell in cells}
        bounds = {
            cell: prior_bounds(values[cell], counts[cell], control, knows_primary=knows_primary)
            for cell in cells
        }
        targets = [cell for cell in cells if counts[cell] < control.threshold]
        tried += len(targets)
        found += _solve(cells, bounds, equations_of[key], targets, counts)
    return found, tried


def _solve(
    cells: Sequence[CellId],
    bounds: Mapping[CellId, tuple[float, float]],
    equations: Sequence[tuple[tuple[CellId, ...], tuple[CellId, ...]]],
    targets: Sequence[CellId],
    counts: Mapping[CellId, int],
) -> list[Recovered]:
    index = {cell: i for i, cell in enumerate(cells)}
    matrix = lil_matrix((max(len(equations), 1), len(cells)))
    for row, (whole, parts) in enumerate(equations):
        for cell in whole:
            matrix[row, index[cell]] += 1
        for cell in parts:
            matrix[row, index[cell]] -= 1
    a_eq = matrix.tocsr()
    b_eq = np.zeros(a_eq.shape[0])
    lows = np.array([bounds[cell][0] for cell in cells])
    highs = np.array([bounds[cell][1] for cell in cells])
    found: list[Recovered] = []
    for cell in targets:
        low, high = _range(index[cell], a_eq, b_eq, lows, highs, integral=False)
        if high - low < 1.5:  # close: the integers may pin it, so ask the integer programme
            low, high = _range(index[cell], a_eq, b_eq, lows, highs, integral=True)
        low_int, high_int = math.ceil(low - 1e-6), math.floor(high + 1e-6)
        if low_int == high_int:
            found.append(Recovered(cell, low_int, high_int, counts[cell]))
    return found


def _range(
    column: int,
    a_eq: object,
    b_eq: np.ndarray,
    lows: np.ndarray,
    highs: np.ndarray,
    *,
    integral: bool,
) -> tuple[float, float]:
    objective = np.zeros(len(lows))
    ends: list[float] = []
    for sign in (1.0, -1.0):
        objective[column] = sign
        if integral:
            result = milp(
                objective,
                constraints=LinearConstraint(a_eq, b_eq, b_eq),
                bounds=Bounds(lows, highs),
                integrality=np.ones(len(lows)),
            )
        else:
            result = linprog(
                objective,
                A_eq=a_eq,
                b_eq=b_eq,
                bounds=list(zip(lows, highs, strict=True)),
                method="highs",
            )
        assert result.status == 0, result.message  # the truth is always feasible
        ends.append(sign * float(result.fun))
    return ends[0], ends[1]
