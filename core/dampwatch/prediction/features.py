"""A home's stock facts and place as model features: ordinal, categorical and numeric columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np
from numpy.typing import NDArray

from dampwatch.deprivation import Deprivation
from dampwatch.geography import Place
from dampwatch.stockfacts import (
    AgeBand,
    BuiltForm,
    EnergyBand,
    MainHeating,
    PropertyType,
    StockFacts,
    WallType,
)

FloatArray = NDArray[np.float64]

# Ordered facts: a worse energy band is a higher code (the model's monotone constraint), an
# older home a lower one.
ENERGY_BANDS: Final = tuple(EnergyBand)
AGE_BANDS: Final = tuple(AgeBand)
ORDINAL: Final[dict[str, tuple[StrEnum, ...]]] = {
    "energy_band": ENERGY_BANDS,
    "age_band": AGE_BANDS,
}
CATEGORICAL: Final[dict[str, tuple[StrEnum, ...]]] = {
    "property_type": tuple(PropertyType),
    "built_form": tuple(BuiltForm),
    "wall_type": tuple(WallType),
    "main_heating": tuple(MainHeating),
}
STOCK_NUMERIC: Final = ("floor_area_m2",)
# The columns every model sees, in this order (the model appends the area rate).
FACT_COLUMNS: Final = (*ORDINAL, *CATEGORICAL, *STOCK_NUMERIC, "imd_decile")
AREA_RATE: Final = "area_rate"  # the area's estimated rate of the hazard, a feature of its own
COLUMNS: Final = (*FACT_COLUMNS, AREA_RATE)  # the model's features, in order
_CODES: Final = {
    column: {value: code for code, value in enumerate(values)}
    for column, values in (ORDINAL | CATEGORICAL).items()
}


@dataclass(frozen=True, slots=True)
class HomeRow:
    """What the register knows of one home: its stock facts and its place, each maybe unknown."""

    stock: StockFacts
    imd_decile: int | None = None
    lsoa: str | None = None
    msoa: str | None = None

    @property
    def home_id(self) -> str:
        """The home's id in the register."""
        return self.stock.home_id

    @classmethod
    def of(cls, stock: StockFacts, place: Place | None, deprivation: Deprivation | None) -> HomeRow:
        """A home's row from its facts, its postcode's place and its LSOA's deprivation."""
        return cls(
            stock,
            deprivation.imd_decile if deprivation else None,
            (place.lsoa or None) if place else None,
            (place.msoa or None) if place else None,
        )


def _value(row: HomeRow, column: str) -> object:
    return row.imd_decile if column == "imd_decile" else getattr(row.stock, column)


def encode(rows: Sequence[HomeRow]) -> FloatArray:
    """Rows × FACT_COLUMNS; NaN where a fact is unknown."""
    matrix = np.full((len(rows), len(FACT_COLUMNS)), np.nan)
    for position, column in enumerate(FACT_COLUMNS):
        codes = _CODES.get(column)
        for index, row in enumerate(rows):
            value = _value(row, column)
            if value is None:
                continue
            if codes is not None:
                code = codes.get(value)  # type: ignore[call-overload]
                if code is not None:
                    matrix[index, position] = code
            elif isinstance(value, int | float) and np.isfinite(value):
                matrix[index, position] = float(value)
    return matrix


def value_in_words(column: str, code: float) -> str | None:
    """The value a column's code stands for, or None when unknown."""
    if not np.isfinite(code):
        return None
    values = (ORDINAL | CATEGORICAL).get(column)
    if values is not None:
        return str(values[int(code)])
    return f"{code:g}"
