"""A home's stock facts and place as model features: ordinal, categorical and numeric columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# EPC bands, best first: a worse band is a higher index (the model's monotone constraint).
ENERGY_BANDS: Final = ("A", "B", "C", "D", "E", "F", "G")
# EPC construction age bands, oldest first.
AGE_BANDS: Final = (
    "before 1900",
    "1900-1929",
    "1930-1949",
    "1950-1966",
    "1967-1975",
    "1976-1982",
    "1983-1990",
    "1991-1995",
    "1996-2002",
    "2003-2006",
    "2007 onwards",
)
CATEGORICAL: Final = ("property_type", "built_form", "wall_type", "main_heating")
ORDINAL: Final = {"energy_band": ENERGY_BANDS, "age_band": AGE_BANDS}
NUMERIC: Final = ("floor_area_m2", "imd_decile")
# The columns every model sees, in this order (the area rate is appended by the model).
FACT_COLUMNS: Final = ("energy_band", "age_band", *CATEGORICAL, *NUMERIC)


@dataclass(frozen=True, slots=True)
class HomeRow:
    """What the register knows of one home: stock facts and place, each possibly unknown."""

    home_id: str
    energy_band: str | None = None
    property_type: str | None = None
    built_form: str | None = None
    age_band: str | None = None
    wall_type: str | None = None
    main_heating: str | None = None
    floor_area_m2: float | None = None
    imd_decile: int | None = None
    lsoa: str | None = None
    msoa: str | None = None


@dataclass(frozen=True, slots=True)
class Encoder:
    """Codes for each categorical column's values (from the whole register, never labels)."""

    vocabularies: dict[str, tuple[str, ...]]

    @classmethod
    def fit(cls, rows: Sequence[HomeRow]) -> Encoder:
        """Every value each categorical column takes in `rows`, sorted."""
        return cls(
            {
                column: tuple(sorted({v for row in rows if (v := getattr(row, column))}))
                for column in CATEGORICAL
            }
        )

    def transform(self, rows: Sequence[HomeRow]) -> FloatArray:
        """Rows × FACT_COLUMNS; NaN where a fact is unknown or a value was never seen."""
        matrix = np.full((len(rows), len(FACT_COLUMNS)), np.nan)
        lookups = {column: {v: i for i, v in enumerate(o)} for column, o in ORDINAL.items()}
        lookups |= {c: {v: i for i, v in enumerate(vs)} for c, vs in self.vocabularies.items()}
        for index, row in enumerate(rows):
            for position, column in enumerate(FACT_COLUMNS):
                value = getattr(row, column)
                if value is None:
                    continue
                if column in lookups:
                    code = lookups[column].get(str(value))
                    if code is not None:
                        matrix[index, position] = code
                elif np.isfinite(float(value)):
                    matrix[index, position] = float(value)
        return matrix

    def value_in_words(self, column: str, code: float) -> str | None:
        """The value a column's code stands for, or None when unknown."""
        if not np.isfinite(code):
            return None
        if column in ORDINAL:
            return ORDINAL[column][int(code)]
        if column in self.vocabularies:
            return self.vocabularies[column][int(code)]
        return f"{code:g}"
