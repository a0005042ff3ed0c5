"""English Indices of Deprivation 2019 per LSOA: the overall IMD decile and the living environment.

Reads MHCLG's IoD2019 files as published (File 7 "all ranks, deciles and scores", or File 2
"domains") and the shortened headers of the extract in the shared open data. Decile 1 is the
most deprived tenth of England's LSOAs.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

# Header names per field, as MHCLG publishes them and as the shortened extract spells them.
DEPRIVATION_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "lsoa": ("lsoa11cd", "LSOA code (2011)"),
    "imd_decile": (
        "imd_decile",
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
    ),
    "living_environment_decile": (
        "living_env_decile",
        "Living Environment Decile (where 1 is most deprived 10% of LSOAs)",
    ),
}


@dataclass(frozen=True)
class Deprivation:
    """One LSOA's IMD 2019 decile and its Living Environment domain decile (1 = most deprived)."""

    lsoa: str
    imd_decile: int
    living_environment_decile: int


class DeprivationFileError(ValueError):
    """The deprivation file lacks a column, or a row holds a value that is not a decile."""


def _columns(header: list[str]) -> dict[str, int]:
    """Each field's column index, or an error naming the column the file lacks."""
    lowered = {name.strip().lower(): index for index, name in enumerate(header)}
    found: dict[str, int] = {}
    for field, names in DEPRIVATION_COLUMNS.items():
        index = next((lowered[n.lower()] for n in names if n.lower() in lowered), None)
        if index is None:
            raise DeprivationFileError(f"the deprivation file has no column {names[-1]!r}")
        found[field] = index
    return found


def _decile(values: list[str], index: int, line: int, field: str) -> int:
    """A decile 1–10 from its cell, or an error naming the line and the field."""
    text = values[index].strip() if index < len(values) else ""
    if not text.isdigit() or not 1 <= int(text) <= 10:
        raise DeprivationFileError(f"line {line}: {field} {text!r} is not a decile 1-10")
    return int(text)


def load_deprivation(path: str | Path) -> dict[str, Deprivation]:
    """Deprivation per LSOA code from an IoD2019 CSV; any bad row fails the load with its line."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise DeprivationFileError(f"the deprivation file {path} is empty")
            columns = _columns(header)
            result: dict[str, Deprivation] = {}
            for line, values in enumerate(reader, start=2):
                if not any(cell.strip() for cell in values):
                    continue  # a blank line holds no LSOA
                lsoa = values[columns["lsoa"]].strip() if columns["lsoa"] < len(values) else ""
                if not lsoa:
                    raise DeprivationFileError(f"line {line}: no LSOA code")
                result[lsoa] = Deprivation(
                    lsoa,
                    _decile(values, columns["imd_decile"], line, "imd_decile"),
                    _decile(
                        values,
                        columns["living_environment_decile"],
                        line,
                        "living_environment_decile",
                    ),
                )
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DeprivationFileError(f"cannot read the deprivation file {path}: {error}") from error
    return result
