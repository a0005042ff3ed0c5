"""Count home-months into the cells of every table, and write down how the cells add up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from dampwatch.opendata.cells import (
    COUNT_MEASURES,
    DISTRIBUTED,
    QUANTILES,
    CellId,
    Cells,
    CountCell,
    DistributionCell,
    Equation,
)
from dampwatch.opendata.records import AREA_LEVELS, STOCK_FACTS, UNKNOWN, HomeMonth

IMD_LEVEL: Final = "imd_decile"
FINER: Final = dict(zip(AREA_LEVELS[1:], AREA_LEVELS[:-1], strict=True))  # msoa -> lsoa, ...
PREDICATES: Final[dict[str, Callable[[HomeMonth], bool]]] = {
    "homes_monitored": lambda row: True,
    "homes_with_enough_data": lambda row: row.hours_below_18c is not None,
    "homes_damp_hazard": lambda row: row.damp,
    "homes_cold_hazard": lambda row: row.cold,
    "homes_overheating": lambda row: row.overheating,
}


def table_name(level: str) -> str:
    """The table of one breakdown (`hazards_by_msoa`, `hazards_by_imd_decile`, ...)."""
    return f"hazards_by_{level}"


def imd_code(decile: int | None) -> str:
    """The `area_code` of an IMD decile row."""
    return f"imd_decile_{decile}" if decile is not None else f"imd_decile_{UNKNOWN}"


def breakdowns(row: HomeMonth) -> Iterable[tuple[str, str]]:
    """(level, code) of every row the home-month falls in, one per table."""
    for level in AREA_LEVELS:
        yield level, row.areas[level]
    yield IMD_LEVEL, imd_code(row.imd_decile)
    for fact in STOCK_FACTS:
        yield fact, row.facts.get(fact) or UNKNOWN


def tally(rows: Sequence[HomeMonth]) -> Cells:
    """Every cell of every table over `rows` (homes with a complete area chain only)."""
    cells = Cells()
    for level in (*AREA_LEVELS, IMD_LEVEL, *STOCK_FACTS):
        cells.tables[table_name(level)] = level
    keys: dict[tuple[str, str, str], list[int]] = defaultdict(list)  # (level, code, period)
    for index, row in enumerate(rows):
        for level, code in breakdowns(row):
            keys[(level, code, row.period)].append(index)
    for (level, code, period), members in keys.items():
        _add_cells(cells, rows, (table_name(level), level, code, period), members)
    cells.equations.extend(equations(rows, keys))
    return cells


def _add_cells(
    cells: Cells, rows: Sequence[HomeMonth], where: tuple[str, str, str, str], members: list[int]
) -> None:
    for measure in COUNT_MEASURES:
        keep = PREDICATES[measure]
        cells.counts[(*where, measure)] = CountCell([i for i in members if keep(rows[i])])
    for name in DISTRIBUTED:
        values = [v for i in members if (v := getattr(rows[i], name)) is not None]
        for quantile, _ in QUANTILES:
            cells.distributions[(*where, f"{quantile}_{name}")] = DistributionCell(values)


def equations(
    rows: Sequence[HomeMonth], keys: dict[tuple[str, str, str], list[int]]
) -> list[Equation]:
    """Each area is the sum of its sub-areas; the deciles, each stock fact's values and the
    regions all sum to the same total; each decile is the sum of the LSOAs in it."""
    parent: dict[tuple[str, str], str] = {}
    lsoa_decile: dict[str, str] = {}
    for row in rows:
        for level, finer in FINER.items():
            parent[(finer, row.areas[finer])] = row.areas[level]
        lsoa_decile[row.areas["lsoa"]] = imd_code(row.imd_decile)
    groups: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    totals: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for level, code, period in keys:
        if level in FINER.values():
            coarser = next(up for up, down in FINER.items() if down == level)
            groups[(coarser, parent[(level, code)], period)].append((level, code))
        if level == "lsoa":
            groups[(IMD_LEVEL, lsoa_decile[code], period)].append((level, code))
        if level not in FINER.values():  # region, decile and fact rows each cover every home
            totals[period][level].append((level, code))
    found: list[Equation] = []
    for measure in COUNT_MEASURES:
        for (level, code, period), parts in groups.items():
            found.append(_equation(measure, period, [(level, code)], parts))
        for period, by_level in totals.items():
            regions = by_level.pop("region")
            for others in by_level.values():
                found.append(_equation(measure, period, regions, others))
            by_level["region"] = regions
    return found


def _equation(
    measure: str, period: str, whole: list[tuple[str, str]], parts: list[tuple[str, str]]
) -> Equation:
    def ids(cells: list[tuple[str, str]]) -> tuple[CellId, ...]:
        return tuple(
            (table_name(level), level, code, period, measure) for level, code in sorted(cells)
        )

    return Equation(ids(whole), ids(parts))
