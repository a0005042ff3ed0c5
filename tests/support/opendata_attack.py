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
from scipy.sparse import csr_matrix, lil_matrix

from dampwatch.opendata.cells import CellId, Cells
from dampwatch.opendata.disclosure import Control, Method
from dampwatch.opendata.publication import Publication

INF = math.inf
Relation = tuple[tuple[CellId, ...], tuple[CellId, ...]]  # sum(first) = sum(second)


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
    publication: Publication, truth: Cells, *, knows_primary: bool = True, across: bool = True
) -> tuple[list[Recovered], int]:
    """Every count under the threshold the attacker can pin down, and how many were tried.
    `across`: the attacker also knows that no hazard count exceeds its row's homes monitored
    (one system per month instead of one per month and measure)."""
    values = published_values(publication)
    control = publication.control

    def system_of(cell: CellId) -> tuple[str, str]:
        return (cell[3], "") if across else (cell[3], cell[4])

    systems: dict[tuple[str, str], list[CellId]] = defaultdict(list)
    for cell in truth.counts:
        systems[system_of(cell)].append(cell)
    equations_of: dict[tuple[str, str], list[Relation]] = defaultdict(list)
    for equation in truth.equations:
        equations_of[system_of(equation.whole[0])].append((equation.whole, equation.parts))
    # A row's hazard counts never exceed its homes monitored: also known to everyone.
    at_most: dict[tuple[str, str], list[tuple[CellId, CellId]]] = defaultdict(list)
    for cell in truth.counts:
        if across and cell[4] != "homes_monitored":
            at_most[system_of(cell)].append((cell, (*cell[:4], "homes_monitored")))
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
        found += _solve(cells, bounds, (equations_of[key], at_most[key]), targets, counts)
    return found, tried


def _matrix(
    index: Mapping[CellId, int], rows: Sequence[tuple[Sequence[CellId], Sequence[CellId]]]
) -> csr_matrix:
    """One row per relation: +1 for the first cells, -1 for the second."""
    matrix = lil_matrix((max(len(rows), 1), len(index)))
    for row, (plus, minus) in enumerate(rows):
        for cell in plus:
            matrix[row, index[cell]] += 1
        for cell in minus:
            matrix[row, index[cell]] -= 1
    return matrix.tocsr()


def _solve(
    cells: Sequence[CellId],
    bounds: Mapping[CellId, tuple[float, float]],
    relations: tuple[
        Sequence[tuple[tuple[CellId, ...], tuple[CellId, ...]]], Sequence[tuple[CellId, CellId]]
    ],
    targets: Sequence[CellId],
    counts: Mapping[CellId, int],
) -> list[Recovered]:
    equations, at_most = relations
    index = {cell: i for i, cell in enumerate(cells)}
    system = System(
        _matrix(index, equations),
        _matrix(index, [((part,), (whole,)) for part, whole in at_most]),
        np.array([bounds[cell][0] for cell in cells]),
        np.array([bounds[cell][1] for cell in cells]),
    )
    found: list[Recovered] = []
    # Every solution a solve returns is a point the system allows: where two of them already put
    # a count 1.5 or more apart with two whole numbers between, its range holds both, so neither
    # programme could pin it and its own solves are skipped (the outcome is the same).
    seen_low, seen_high = np.full(len(cells), INF), np.full(len(cells), -INF)
    for cell in targets:
        column = index[cell]
        a, b = seen_low[column], seen_high[column]
        if b - a >= 1.5 + 1e-6 and math.ceil(a - 1e-6) < math.floor(b + 1e-6):
            continue
        low, high = system.range(column, integral=False, seen=(seen_low, seen_high))
        if high - low < 1.5:  # close: the integers may pin it, so ask the integer programme
            low, high = system.range(column, integral=True, seen=(seen_low, seen_high))
        low_int, high_int = math.ceil(low - 1e-6), math.floor(high + 1e-6)
        if low_int == high_int:
            found.append(Recovered(cell, low_int, high_int, counts[cell]))
    return found


@dataclass(frozen=True)
class System:
    """A_eq x = 0, A_ub x <= 0, lows <= x <= highs: everything the attacker knows."""

    a_eq: csr_matrix
    a_ub: csr_matrix
    lows: np.ndarray
    highs: np.ndarray

    def range(
        self, column: int, *, integral: bool, seen: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[float, float]:
        """The least and greatest value of one count the system allows; `seen` (least and
        greatest values of every count so far) is widened by the solutions found."""
        objective = np.zeros(len(self.lows))
        zeros_eq, zeros_ub = np.zeros(self.a_eq.shape[0]), np.zeros(self.a_ub.shape[0])
        ends: list[float] = []
        for sign in (1.0, -1.0):
            objective[column] = sign
            if integral:
                result = milp(
                    objective,
                    constraints=[
                        LinearConstraint(self.a_eq, zeros_eq, zeros_eq),
                        LinearConstraint(self.a_ub, -np.inf, zeros_ub),
                    ],
                    bounds=Bounds(self.lows, self.highs),
                    integrality=np.ones(len(self.lows)),
                )
            else:
                result = linprog(
                    objective,
                    A_eq=self.a_eq,
                    b_eq=zeros_eq,
                    A_ub=self.a_ub,
                    b_ub=zeros_ub,
                    bounds=list(zip(self.lows, self.highs, strict=True)),
                    method="highs",
                )
            assert result.status == 0, result.message  # the truth is always feasible
            ends.append(sign * float(result.fun))
            if seen is not None:
                np.minimum(seen[0], result.x, out=seen[0])
                np.maximum(seen[1], result.x, out=seen[1])
        return ends[0], ends[1]
