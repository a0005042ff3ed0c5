"""Tables as published: tidy rows in the contract's column order, and their CSV text."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from dampwatch.opendata.cells import CellId, Cells
from dampwatch.opendata.disclosure import Control, Protected, protect
from dampwatch.opendata.records import HomeMonth
from dampwatch.opendata.tally import tally

COLUMNS: Final = ("area_code", "area_level", "period", "measure", "value", "status")
ANALYST_ONLY: Final = frozenset({"hazards_by_lsoa"})  # finer than the public may see


@dataclass(frozen=True, slots=True)
class Row:
    """One published cell."""

    area_code: str
    area_level: str
    period: str
    measure: str
    value: float | None
    status: str

    def as_csv(self) -> tuple[str, ...]:
        """The row's CSV fields; integers without a decimal point, withheld values empty."""
        value = self.value
        text = "" if value is None else (str(int(value)) if value.is_integer() else str(value))
        return (self.area_code, self.area_level, self.period, self.measure, text, self.status)


@dataclass(frozen=True, slots=True)
class Publication:
    """Every table of one publication, with what was left out and why."""

    tables: Mapping[str, Sequence[Row]]
    levels: Mapping[str, str]
    periods: tuple[str, ...]
    control: Control
    homes: int

    def public_tables(self) -> list[str]:
        """The tables anyone may read (no LSOA)."""
        return sorted(name for name in self.tables if name not in ANALYST_ONLY)


def publish(
    rows: Sequence[HomeMonth], control: Control, periods: Sequence[str] = ()
) -> Publication:
    """Count, protect and lay out every table over `rows` (for `periods`, else the rows')."""
    cells = tally(rows)
    protected = protect(cells, [row.record_key for row in rows], control)
    return Publication(
        tables=layout(cells, protected),
        levels=dict(cells.tables),
        periods=tuple(sorted(set(periods) | {row.period for row in rows})),
        control=control,
        homes=len({row.home_key for row in rows}),
    )


def layout(cells: Cells, protected: Mapping[CellId, Protected]) -> dict[str, list[Row]]:
    """Rows per table, sorted by period, area and measure (counts first, as tallied)."""
    tables: dict[str, list[Row]] = defaultdict(list)
    for name in cells.tables:
        tables[name] = []
    for (table, level, code, period, measure), cell in protected.items():
        tables[table].append(Row(code, level, period, measure, cell.value, cell.status.value))
    for rows in tables.values():
        rows.sort(key=lambda row: (row.period, row.area_code))
    return dict(tables)


def to_csv(rows: Sequence[Row]) -> str:
    """The table as CSV text (UTF-8, header row, CRLF line ends as RFC 4180 says)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(row.as_csv() for row in rows)
    return buffer.getvalue()
