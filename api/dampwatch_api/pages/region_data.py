"""What the region page shows, read from the published tables only (never from SQL)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from dampwatch_api.opendata import files

HAZARDS: Final = {
    "damp": ("homes_damp_hazard", "damp or mould hazard"),
    "cold": ("homes_cold_hazard", "cold-home hazard"),
    "overheating": ("homes_overheating", "overheating"),
}
MONITORED: Final = "homes_monitored"


@dataclass(slots=True)
class Table:
    """One published table: value per (area, period, measure); None when withheld."""

    name: str
    values: dict[tuple[str, str, str], float | None] = field(default_factory=dict)
    periods: set[str] = field(default_factory=set)

    def prevalence(self, period: str, measure: str) -> dict[str, float | None]:
        """Per area: the published hazard count over the published homes monitored, in %;
        None when either is withheld."""
        out: dict[str, float | None] = {}
        for (code, when, name), homes in self.values.items():
            if when != period or name != MONITORED:
                continue
            count = self.values.get((code, when, measure))
            out[code] = (
                None if homes is None or count is None or homes == 0 else 100 * count / homes
            )
        return out


def read_table(where: Path, name: str) -> Table | None:
    """A published table, or None when it is not there."""
    path = files.table_file(where, name, files.CSV_SUFFIX)
    if path is None:
        return None
    table = Table(name)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            value = float(row["value"]) if row["value"] else None
            table.values[(row["area_code"], row["period"], row["measure"])] = value
            table.periods.add(row["period"])
    return table


def counts_by(table: Table, period: str, measure: str) -> dict[str, tuple[float | None, ...]]:
    """Per row: (homes monitored, hazard count, prevalence %) as published."""
    rates = table.prevalence(period, measure)
    return {
        code: (table.values.get((code, period, MONITORED)),
               table.values.get((code, period, measure)), rate)
        for code, rate in rates.items()
    }  # fmt: skip


def decile_sort_key(code: str) -> tuple[int, str]:
    """imd_decile_1 … imd_decile_10, then unknown."""
    tail = code.rsplit("_", 1)[-1]
    return (int(tail), "") if tail.isdigit() else (99, tail)


def latest(periods: set[str]) -> str | None:
    """The newest period of a table."""
    return max(periods) if periods else None
