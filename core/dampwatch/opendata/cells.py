"""The cells of the open-data tables, before disclosure control: counts with their members."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

COUNT_MEASURES: Final = (
    "homes_monitored",
    "homes_with_enough_data",
    "homes_damp_hazard",
    "homes_cold_hazard",
    "homes_overheating",
)
DISTRIBUTED: Final = ("hours_below_18c", "room_rh_pct", "mould_index")
QUANTILES: Final = (("q1", 0.25), ("median", 0.5), ("q3", 0.75))
DISTRIBUTION_MEASURES: Final = tuple(f"{q}_{name}" for name in DISTRIBUTED for q, _ in QUANTILES)
COUNTED: Final = {
    "homes_monitored": "homes with at least one indoor reading in the month",
    "homes_with_enough_data": "homes with enough hours of indoor readings to join the quartiles",
    "homes_damp_hazard": "homes with a damp or mould hazard (mould or condensation risk) open "
    "at any time in the month",
    "homes_cold_hazard": "homes with a cold-home hazard open at any time in the month",
    "homes_overheating": "homes with an overheating hazard open at any time in the month",
}
UNITS: Final = {
    "hours_below_18c": "hours in the month with the home's mean temperature below 18 degC",
    "room_rh_pct": "percent relative humidity (the home's monthly median over its rooms)",
    "mould_index": "VTT mould index (0-6), the home's highest room in the month",
}

CellId = tuple[str, str, str, str, str]  # table, area_level, area_code, period, measure


@dataclass(slots=True)
class CountCell:
    """A count of homes and the indices of the rows it counts."""

    members: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many homes the cell counts."""
        return len(self.members)


@dataclass(slots=True)
class DistributionCell:
    """The values of the homes with enough data, of which only quartiles are ever published."""

    values: list[float] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Equation:
    """sum(whole) = sum(parts): what an attacker can difference (margins, overlapping tables)."""

    whole: tuple[CellId, ...]
    parts: tuple[CellId, ...]

    def cells(self) -> tuple[CellId, ...]:
        """Every cell the equation names."""
        return self.whole + self.parts


@dataclass(slots=True)
class Cells:
    """All cells of one publication and the equations that tie them together."""

    counts: dict[CellId, CountCell] = field(default_factory=dict)
    distributions: dict[CellId, DistributionCell] = field(default_factory=dict)
    equations: list[Equation] = field(default_factory=list)
    tables: dict[str, str] = field(default_factory=dict)  # table -> area_level
